#!/usr/bin/env bash
# Starts a private dockerd (vfs storage, no iptables, no default bridge) on a unix socket under
# $WF_TEST_TMP/docker, makes it a single-node swarm manager, imports the test images
# wf-test/busybox:v1, :v2 (default command: sleep) and :v3 (default command exits 1) from
# busybox-static, and appends WORKFLOWS_TEST_DOCKER_HOST=unix://… to $WF_TEST_ENV. The same engine
# also listens with mutual TLS on a free loopback port (certificates made here with openssl, like
# the ones magnum.cluster.credentials hands out): WORKFLOWS_TEST_DOCKER_TLS_HOST=tcp://127.0.0.1:<port>
# and WORKFLOWS_TEST_DOCKER_CERT_PATH=<folder with ca.pem, cert.pem, key.pem>. "stop" kills dockerd
# (and the containerd it started) and removes the folder.
#
# Networking with --bridge=none: there is no "bridge" network. Swarm tasks without networks, on an
# overlay network (stacks) or with ingress-published ports do run, but the routing mesh needs
# iptables, so ingress ports are not reachable from the host; use the predefined "host" network
# (service networks: [host]) or publish in host mode when something must answer on loopback.
# Plain containers need --network host or none.
set -euo pipefail
dir="$WF_TEST_TMP/docker"
sock="$dir/docker.sock"
case "${1:-start}" in
start)
  mkdir -p "$dir/data" "$dir/exec" "$dir/certs"
  certs="$dir/certs"
  (
    cd "$certs"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wf-test-ca" -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=wf-test-client" -keyout key.pem -out client.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out cert.pem 2>/dev/null
    rm -f ./*.csr ./*.ext ./*.srl
  )
  tlsport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    -H "unix://$sock" -H "tcp://127.0.0.1:$tlsport" \
    --tlsverify --tlscacert "$certs/ca.pem" --tlscert "$certs/server-cert.pem" --tlskey "$certs/server-key.pem" \
    >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    docker -H "unix://$sock" info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker -H "unix://$sock" info >/dev/null 2>&1; then
    echo "docker: dockerd did not answer on $sock; last log lines:" >&2
    tail -n 20 "$dir/dockerd.log" >&2
    exit 1
  fi
  d() { docker -H "unix://$sock" "$@"; }
  swarmport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  d swarm init --advertise-addr 127.0.0.1:$swarmport --listen-addr 127.0.0.1:$swarmport >/dev/null

  root="$dir/image-root"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/www"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo "wf-test" >"$root/www/index.html"
  echo "v1" >"$root/etc/wf-version"
  tar -C "$root" -c . | d import --change 'CMD ["/bin/sleep","86400"]' - wf-test/busybox:v1 >/dev/null
  echo "v2" >"$root/etc/wf-version"
  tar -C "$root" -c . | d import --change 'CMD ["/bin/sleep","86400"]' - wf-test/busybox:v2 >/dev/null
  echo "v3" >"$root/etc/wf-version"
  tar -C "$root" -c . | d import --change 'CMD ["/bin/sh","-c","exit 1"]' - wf-test/busybox:v3 >/dev/null
  rm -rf "$root"

  echo "WORKFLOWS_TEST_DOCKER_HOST=unix://$sock" >>"$WF_TEST_ENV"
  echo "WORKFLOWS_TEST_DOCKER_TLS_HOST=tcp://127.0.0.1:$tlsport" >>"$WF_TEST_ENV"
  echo "WORKFLOWS_TEST_DOCKER_CERT_PATH=$certs" >>"$WF_TEST_ENV"
  echo "docker: dockerd $(d version --format '{{.Server.Version}}') started on unix://$sock and tcp://127.0.0.1:$tlsport (mutual TLS) (swarm manager, images wf-test/busybox:v1 v2 v3)"
  ;;
stop)
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    # dockerd started its own containerd as a child; remember it before dockerd goes.
    children=$(pgrep -P "$pid" || true)
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    for c in $children; do kill "$c" 2>/dev/null || true; done
  fi
  # Container shims and mounts under the data root must go before the folder can.
  if [ -d "$dir" ]; then
    { grep -o " $dir[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$dir"
  fi
  ;;
esac
