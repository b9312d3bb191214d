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

  # The default ingress network always gets VXLAN id 4096. The kernel keeps a VXLAN id per host (in the
  # namespace that created the device, even after docker moves it into a sandbox), so a second dockerd on
  # this host, or a device left behind by a killed one, makes that ingress fail ("subnet sandbox join
  # failed for 10.0.0.0/24: error creating vxlan interface: file exists") and every service that
  # publishes a port then fails. Replace it by one with a random id, and check that a task with a
  # published port runs before handing the engine over; another id on failure.
  ok=
  for attempt in 1 2 3 4 5; do
    vni=$(( (RANDOM << 8 | RANDOM & 255) % 16000000 + 10000 ))
    ingress() { d network ls -q --filter driver=overlay | xargs -r docker -H "unix://$sock" network inspect --format '{{if .Ingress}}{{.Name}}{{end}}' | grep . || true; }
    for n in $(ingress); do echo y | d network rm "$n" >/dev/null 2>&1 || true; done
    for _ in $(seq 1 20); do [ -z "$(ingress)" ] && break; sleep 0.5; done
    d network create --driver overlay --ingress --subnet 10.254.0.0/24 \
      --opt com.docker.network.driver.overlay.vxlanid_list=$vni wf-ingress >/dev/null || true
    probeport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    d service create -d --quiet --name wf-ingress-probe --publish "$probeport:8080" --restart-condition none \
      --stop-grace-period 1s wf-test/busybox:v1 httpd -f -p 8080 -h /www >/dev/null 2>&1
    state=
    for _ in $(seq 1 60); do
      state=$(d service ps wf-ingress-probe --no-trunc --format '{{.CurrentState}}|{{.Error}}' 2>/dev/null | head -n1)
      case "$state" in Running*|Failed*|Rejected*) break ;; esac
      sleep 0.5
    done
    d service rm wf-ingress-probe >/dev/null 2>&1 || true
    for _ in $(seq 1 40); do [ -z "$(d ps -aq --filter label=com.docker.swarm.service.name=wf-ingress-probe)" ] && break; sleep 0.5; done
    if [[ "$state" == Running* ]]; then ok=1; break; fi
    echo "docker: ingress with VXLAN id $vni did not work (${state:-no task state}); trying another id" >&2
  done
  if [ -z "$ok" ]; then
    echo "docker: no working ingress network after 5 VXLAN ids; last log lines:" >&2
    tail -n 20 "$dir/dockerd.log" >&2
    exit 1
  fi

  echo "WORKFLOWS_TEST_DOCKER_HOST=unix://$sock" >>"$WF_TEST_ENV"
  echo "WORKFLOWS_TEST_DOCKER_TLS_HOST=tcp://127.0.0.1:$tlsport" >>"$WF_TEST_ENV"
  echo "WORKFLOWS_TEST_DOCKER_CERT_PATH=$certs" >>"$WF_TEST_ENV"
  echo "docker: dockerd $(d version --format '{{.Server.Version}}') started on unix://$sock and tcp://127.0.0.1:$tlsport (mutual TLS) (swarm manager, ingress VXLAN id $vni, images wf-test/busybox:v1 v2 v3)"
  ;;
stop)
  # Leaving the swarm first tears down its overlay sandboxes and their VXLAN devices; killed with them
  # in place, a device can outlive the engine and block its VXLAN id on this host (see above).
  if [ -S "$sock" ]; then timeout 30 docker -H "unix://$sock" swarm leave --force >/dev/null 2>&1 || true; fi
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
