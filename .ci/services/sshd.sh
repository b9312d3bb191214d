#!/usr/bin/env bash
# Starts a throwaway OpenSSH server on a free loopback port for the DevStack tests, with its own
# host key, a client key pair and a test user (wftest, passwordless sudo) under $WF_TEST_TMP/sshd.
# Appends WORKFLOWS_TEST_SSH_* to $WF_TEST_ENV. "stop" kills sshd and removes the users and files.
# Runs as root (CI does); the DevStack tests also create the stack user named in
# WORKFLOWS_TEST_SSH_STACK_USER, which "stop" removes as well.
set -euo pipefail
dir="$WF_TEST_TMP/sshd"
user=wftest
stack_user=wfstack
case "${1:-start}" in
start)
  mkdir -p "$dir/home" "$dir/work" "$dir/auth"
  # The test users must traverse to their homes and to the stand-in repositories.
  chmod o+x "$WF_TEST_TMP" "$dir"
  chmod 755 "$dir/home" "$dir/work"
  ssh-keygen -q -t ed25519 -N '' -C wf-test-host -f "$dir/host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C wf-test-client -f "$dir/client_ed25519_key"
  # Users left by a run that never reached "stop" would carry homes in a deleted folder: start clean.
  for u in "$stack_user" "$user"; do
    if id "$u" >/dev/null 2>&1; then
      for pid in $(pgrep -u "$u" || true); do kill -9 "$pid" 2>/dev/null || true; done
      userdel "$u" 2>/dev/null || true
    fi
  done
  useradd -m -d "$dir/home/$user" -s /bin/bash "$user"
  # A locked account (no password) is refused by sshd without PAM, so give it a random one.
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  echo "$user:$password" | chpasswd
  echo "$user ALL=(ALL) NOPASSWD: ALL" >"/etc/sudoers.d/wf-test-$user"
  chmod 440 "/etc/sudoers.d/wf-test-$user"
  cp "$dir/client_ed25519_key.pub" "$dir/auth/$user"
  chmod 644 "$dir/auth/$user"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/auth/%u
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $user
MaxSessions 50
MaxStartups 50:30:100
Subsystem sftp internal-sftp
CONF
  mkdir -p /run/sshd
  /usr/sbin/sshd -t -f "$dir/sshd_config"
  setsid /usr/sbin/sshd -D -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/sshd.launcher.pid"
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))"; then break; fi
    sleep 0.1
  done
  fingerprint=$(ssh-keygen -l -E sha256 -f "$dir/host_ed25519_key.pub" | awk '{print $2}')
  {
    echo "WORKFLOWS_TEST_SSH_HOST=127.0.0.1"
    echo "WORKFLOWS_TEST_SSH_PORT=$port"
    echo "WORKFLOWS_TEST_SSH_USER=$user"
    echo "WORKFLOWS_TEST_SSH_KEY=$dir/client_ed25519_key"
    echo "WORKFLOWS_TEST_SSH_PASSWORD=$password"
    echo "WORKFLOWS_TEST_SSH_HOSTKEY_FINGERPRINT=$fingerprint"
    echo "WORKFLOWS_TEST_SSH_WORKDIR=$dir/work"
    echo "WORKFLOWS_TEST_SSH_STACK_USER=$stack_user"
  } >>"$WF_TEST_ENV"
  echo "sshd: started on 127.0.0.1:$port ($dir)"
  ;;
stop)
  if [ -f "$dir/sshd.launcher.pid" ]; then
    kill "$(cat "$dir/sshd.launcher.pid")" 2>/dev/null || true
  fi
  for u in "$stack_user" "$user"; do
    if id "$u" >/dev/null 2>&1; then
      # Stand-in stack.sh runs left behind by a failed test belong to these test users only.
      for pid in $(pgrep -u "$u" || true); do kill -9 "$pid" 2>/dev/null || true; done
      userdel "$u" 2>/dev/null || true
    fi
    rm -f "/etc/sudoers.d/wf-test-$u" "/etc/sudoers.d/$u"
  done
  rm -rf "$dir"
  ;;
esac
