#!/usr/bin/env bash
# Starts a loopback SMTP server (Debian's python3-aiosmtpd, see smtp.py) for the notification tests: AUTH with a
# random password, STARTTLS with a throwaway self-signed certificate, each message written to $WF_TEST_TMP/smtp/mail.
# Appends WORKFLOWS_TEST_SMTP_* to $WF_TEST_ENV. "stop" kills it and removes its files.
set -euo pipefail
dir="$WF_TEST_TMP/smtp"
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-start}" in
start)
  mkdir -p "$dir/mail"
  chmod 755 "$dir" "$dir/mail"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  WF_SMTP_USER=wf-notify WF_SMTP_PASSWORD="$password" WF_SMTP_CERT="$dir/cert.pem" WF_SMTP_KEY="$dir/key.pem" \
    setsid /usr/bin/python3 "$here/smtp.py" "$dir/mail" "$port" </dev/null >"$dir/smtp.log" 2>&1 &
  echo $! >"$dir/smtp.pid"
  for _ in $(seq 1 100); do
    if /usr/bin/python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))"; then break; fi
    sleep 0.1
  done
  if ! kill -0 "$(cat "$dir/smtp.pid")" 2>/dev/null; then cat "$dir/smtp.log" >&2; exit 1; fi
  {
    echo "WORKFLOWS_TEST_SMTP_HOST=127.0.0.1"
    echo "WORKFLOWS_TEST_SMTP_PORT=$port"
    echo "WORKFLOWS_TEST_SMTP_USER=wf-notify"
    echo "WORKFLOWS_TEST_SMTP_PASSWORD=$password"
    echo "WORKFLOWS_TEST_SMTP_MAILDIR=$dir/mail"
    echo "WORKFLOWS_TEST_SMTP_CERT=$dir/cert.pem"
  } >>"$WF_TEST_ENV"
  echo "smtp: started on 127.0.0.1:$port ($dir)"
  ;;
stop)
  if [ -f "$dir/smtp.pid" ]; then
    kill "$(cat "$dir/smtp.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
esac
