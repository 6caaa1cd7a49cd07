#!/usr/bin/env bash
# Starts a throwaway OpenSSH server on 127.0.0.1 (and ::1 when there is IPv6 loopback) for the ssh tests, without systemd, and prints
# shell-sourceable variables describing it. Host and client keys are made fresh in a temp folder per run;
# the port is chosen at run time. As root, logins go to a non-root test user (created if missing);
# otherwise sshd runs as the calling user and only that user can log in.
#
# usage: scripts/start-sshd.sh            env: SSHD_USER (default remote-exec-test, root only)
# stop:  kill "$SSHD_PID"; rm -rf "$SSHD_DIR"
set -euo pipefail

if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null || ! command -v ssh-keygen >/dev/null; then
  if [ "$(id -u)" != 0 ]; then echo "start-sshd: OpenSSH is not installed (apt-get install openssh-server openssh-client)" >&2; exit 3; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # The package's postinst does not start a daemon without systemd.
  apt-get install -y -qq openssh-server openssh-client >&2
fi

DIR="$(mktemp -d /tmp/remote-exec-sshd.XXXXXX)"
# sshd reads AuthorizedKeysFile as the logging-in user, so that user must be able to enter the folder.
chmod 0755 "$DIR"

if [ "$(id -u)" = 0 ]; then
  USER_NAME="${SSHD_USER:-remote-exec-test}"
  if ! id "$USER_NAME" >/dev/null 2>&1; then useradd -m -s /bin/bash "$USER_NAME"; fi
  # useradd leaves the account locked ('!'), and with UsePAM no sshd refuses even key logins to it;
  # '*' means "no password" without locking.
  usermod -p '*' "$USER_NAME"
  mkdir -p /run/sshd && chmod 0755 /run/sshd
else
  USER_NAME="$(id -un)"
fi

ssh-keygen -q -t ed25519 -N '' -C remote-exec-test-host -f "$DIR/host_key"
ssh-keygen -q -t ed25519 -N '' -C remote-exec-test-client -f "$DIR/client_key"
cp "$DIR/client_key.pub" "$DIR/authorized_keys"
chmod 0644 "$DIR/authorized_keys" "$DIR/client_key.pub" "$DIR/host_key.pub"
chmod 0600 "$DIR/client_key" "$DIR/host_key"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# ::1 too when this machine has IPv6 loopback, for the ssh=[::1] tests.
IPV6=0
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then IPV6=1; fi

# Another process may take the port between choosing and binding it: try a few.
for attempt in 1 2 3 4 5; do
  PORT="$(free_port)"
  cat > "$DIR/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
$([ "$IPV6" = 1 ] && echo "ListenAddress ::1")
HostKey $DIR/host_key
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
AllowUsers $USER_NAME
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 50:30:100
MaxSessions 50
LogLevel VERBOSE
EOF
  /usr/sbin/sshd -t -f "$DIR/sshd_config"
  # -D: stay in the foreground so its pid is ours to stop; -e: log to stderr. setsid: its own process
  # group, away from the caller's terminal. The absolute path is required (sshd re-executes itself).
  setsid /usr/sbin/sshd -f "$DIR/sshd_config" -D -e < /dev/null > "$DIR/sshd.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do
    if grep -q "Server listening on" "$DIR/sshd.log" 2>/dev/null || ! kill -0 "$PID" 2>/dev/null; then break; fi
    sleep 0.05
  done
  if grep -q "Server listening on" "$DIR/sshd.log"; then break; fi
  kill "$PID" 2>/dev/null || true
  if [ "$attempt" = 5 ]; then echo "start-sshd: sshd did not start:" >&2; cat "$DIR/sshd.log" >&2; exit 1; fi
done

echo "[127.0.0.1]:$PORT $(cat "$DIR/host_key.pub")" > "$DIR/known_hosts"
if [ "$IPV6" = 1 ]; then echo "[::1]:$PORT $(cat "$DIR/host_key.pub")" >> "$DIR/known_hosts"; fi

cat <<EOF
SSHD_DIR=$DIR
SSHD_PID=$PID
SSHD_PORT=$PORT
SSHD_USER=$USER_NAME
SSHD_IPV6=$IPV6
SSH_KEY=$DIR/client_key
SSH_KNOWN_HOSTS=$DIR/known_hosts
SSH_OPTIONS='-i $DIR/client_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$DIR/known_hosts -o StrictHostKeyChecking=yes -o LogLevel=ERROR'
EOF
