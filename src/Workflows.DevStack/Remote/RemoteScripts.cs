namespace Workflows.DevStack.Remote;

/// <summary>
/// The shell scripts the actions send over SSH (on stdin, so no secret ever appears on a command line
/// or in a process list). Each prints <c>key=value</c> lines.
/// </summary>
internal static class RemoteScripts
{
    /// <summary>Args: os-release path, stack home. Facts for the preflight; changes nothing.</summary>
    public const string Preflight = """
        osr=$1; home=$2
        if [ -r "$osr" ]; then
          ( . "$osr"; echo "os_id=${ID:-}"; echo "os_version=${VERSION_ID:-}"; echo "os_name=${PRETTY_NAME:-${NAME:-}}" )
        else
          echo "os_id="; echo "os_missing=$osr"
        fi
        echo "cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
        echo "mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
        d=$home; while [ ! -e "$d" ]; do d=$(dirname "$d"); done
        echo "disk_dir=$d"
        echo "disk_kb=$(df -Pk "$d" | awk 'NR==2 {print $4}')"
        if sudo -n true 2>/dev/null; then echo "sudo=yes"; else echo "sudo=no"; fi
        if command -v git >/dev/null 2>&1; then echo "git=yes"; else echo "git=no"; fi
        """;

    /// <summary>
    /// Args: jobs folder, own job folder. Whether this step's job exists, which jobs on the host are
    /// alive (a live pid whose command line names the job's run.sh) and which finished with which exit
    /// code (<c>done=code folder</c>). Runs as the login user with sudo.
    /// </summary>
    public const string Probe = """
        base=$1; own=$2
        if [ "$(id -u)" = 0 ]; then S=""; elif sudo -n true 2>/dev/null; then S="sudo -n"; else echo "sudo=no"; exit 0; fi
        echo "sudo=yes"
        if $S test -d "$own"; then echo "own=exists"; else echo "own=missing"; fi
        for d in $($S find "$base" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort); do
          code=$($S cat "$d/exitcode" 2>/dev/null || true)
          if [ -n "$code" ]; then echo "done=$code $d"; continue; fi
          pid=$($S cat "$d/pid" 2>/dev/null) || continue
          if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$d/run.sh"; then echo "alive=$d"; fi
        done
        """;

    /// <summary>Args: stack user, stack home. Creates the stack user with passwordless sudo; installs git when missing.</summary>
    public const string PrepareUser = """
        set -eu
        user=$1; home=$2
        if [ "$(id -u)" = 0 ]; then S=""; else S="sudo -n"; fi
        if ! id "$user" >/dev/null 2>&1; then
          $S useradd -s /bin/bash -d "$home" -m "$user"
          echo "created_user=yes"
        fi
        group=$(id -gn "$user")
        $S install -d -o "$user" -g "$group" "$home"
        # DevStack's guide: the home must be traversable (services read files below it).
        $S chmod +x "$home"
        echo "$user ALL=(ALL) NOPASSWD: ALL" | $S tee "/etc/sudoers.d/$user" >/dev/null
        $S chmod 0440 "/etc/sudoers.d/$user"
        if ! command -v git >/dev/null 2>&1; then
          if command -v apt-get >/dev/null 2>&1; then
            $S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
          else
            $S dnf install -y -q git >/dev/null
          fi
          echo "installed_git=yes"
        fi
        echo "ok=yes"
        """;

    /// <summary>Args: repository URL, branch, devstack folder. Clones, or fetches and checks out; prints the commit. Runs as the stack user.</summary>
    public const string Checkout = """
        set -eu
        repo=$1; branch=$2; dir=$3
        if [ -d "$dir/.git" ]; then
          git -C "$dir" remote set-url origin "$repo"
          git -C "$dir" fetch --quiet origin "$branch"
          git -C "$dir" -c advice.detachedHead=false checkout --quiet --detach FETCH_HEAD
          echo "action=fetched"
        else
          mkdir -p "$(dirname "$dir")"
          git clone --quiet --branch "$branch" "$repo" "$dir"
          echo "action=cloned"
        fi
        echo "commit=$(git -C "$dir" rev-parse HEAD)"
        """;

    /// <summary>Args: local.conf path. Prints the ADMIN_PASSWORD an earlier prepare wrote, base64, so a re-run keeps it. Runs as the stack user.</summary>
    public const string ReadAdminPassword = """
        conf=$1
        if [ -f "$conf" ]; then
          v=$(sed -n 's/^ADMIN_PASSWORD=//p' "$conf" | head -n1)
          [ -n "$v" ] && echo "admin_password_b64=$(printf %s "$v" | base64 -w0)"
        fi
        echo "ok=yes"
        """;

    /// <summary>
    /// Args: stack user, devstack folder. Prints <c>installed=yes</c> when the folder holds an executable unstack.sh,
    /// <c>installed=no</c> when it does not or the stack user does not exist; exits 3 (printing <c>sudo=no</c>) when the login
    /// user cannot sudo without a password, since then nothing can be told. Runs as the login user; reads only.
    /// </summary>
    public const string ProbeInstall = """
        user=$1; dir=$2
        if ! sudo -n true >/dev/null 2>&1; then echo "sudo=no"; exit 3; fi
        if ! id "$user" >/dev/null 2>&1; then echo "installed=no"; exit 0; fi
        if sudo -n test -x "$dir/unstack.sh"; then echo "installed=yes"; else echo "installed=no"; fi
        """;

    /// <summary>
    /// Args: jobs folder, job folder, working folder, command words… Starts the command detached
    /// (setsid + nohup) with a pid file, a log and an exit-code file, unless the job exists (prints
    /// <c>state=exists</c>) or another job is alive (<c>state=busy</c>). Runs as the stack user; the
    /// host-wide flock makes the check and the start one step.
    /// </summary>
    public const string StartJob = """
        set -eu
        base=$1; job=$2; workdir=$3; shift 3
        mkdir -p "$base"
        exec 9>"$base/.lock"
        flock -w 30 9
        if [ -d "$job" ]; then echo "state=exists"; exit 0; fi
        for d in $(find "$base" -mindepth 1 -maxdepth 1 -type d | sort); do
          [ -f "$d/exitcode" ] && continue
          pid=$(cat "$d/pid" 2>/dev/null) || continue
          if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$d/run.sh"; then
            echo "state=busy"; echo "busy=$d"; echo "pid=$pid"; exit 0
          fi
        done
        mkdir -p "$job"
        cat >"$job/run.sh" <<'RUN'
        #!/usr/bin/env bash
        # Written by Workflows: runs one command detached, records its pid, log and exit code.
        job=$(cd "$(dirname "$0")" && pwd)
        echo $$ >"$job/pid.tmp" && mv "$job/pid.tmp" "$job/pid"
        cd "$1"; shift
        "$@" >>"$job/log" 2>&1 </dev/null
        code=$?
        echo "$code" >"$job/exitcode.tmp" && mv "$job/exitcode.tmp" "$job/exitcode"
        RUN
        chmod +x "$job/run.sh"
        cat /proc/sys/kernel/random/boot_id >"$job/boot_id" 2>/dev/null || true
        date -u +%Y-%m-%dT%H:%M:%SZ >"$job/started"
        : >"$job/log"
        setsid nohup bash "$job/run.sh" "$workdir" "$@" </dev/null >/dev/null 2>&1 &
        for _ in $(seq 1 100); do [ -f "$job/pid" ] && break; sleep 0.1; done
        echo "state=started"
        echo "pid=$(cat "$job/pid" 2>/dev/null || true)"
        """;

    /// <summary>
    /// Args: job folder, log offset, max bytes, local.conf path (or empty). The job's state
    /// (running, exited, dead, missing), exit code, log size and the log bytes from the offset,
    /// base64. Runs as the stack user.
    /// </summary>
    public const string PollJob = """
        job=$1; offset=$2; max=$3; conf=${4:-}
        if [ ! -d "$job" ]; then echo "state=missing"; exit 0; fi
        pid=$(cat "$job/pid" 2>/dev/null || true)
        echo "pid=$pid"
        if [ -f "$job/exitcode" ]; then
          state=exited
        elif [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$job/run.sh"; then
          state=running
        elif [ -f "$job/exitcode" ]; then
          state=exited
        elif [ -z "$pid" ]; then
          state=starting
        else
          state=dead
        fi
        echo "state=$state"
        [ "$state" = exited ] && echo "exit_code=$(cat "$job/exitcode")"
        # Measured after the state: once exited, the log is complete.
        size=$(stat -c %s "$job/log" 2>/dev/null || echo 0)
        echo "size=$size"
        if [ -n "$conf" ] && [ -f "$conf" ]; then
          v=$(sed -n 's/^ADMIN_PASSWORD=//p' "$conf" | head -n1)
          [ -n "$v" ] && echo "admin_password_b64=$(printf %s "$v" | base64 -w0)"
        fi
        if [ "$max" -gt 0 ] && [ "$size" -gt "$offset" ]; then
          echo "chunk=$(tail -c +"$((offset + 1))" "$job/log" | head -c "$max" | base64 -w0)"
        else
          echo "chunk="
        fi
        """;

    /// <summary>Args: devstack folder. Sources openrc as admin and prints the auth URL and region. Runs as the stack user.</summary>
    public const string ReadOpenRc = """
        dir=$1
        cd "$dir" || exit 1
        unset OS_AUTH_URL OS_REGION_NAME
        set +u
        . ./openrc admin admin >/dev/null 2>&1 || true
        echo "auth_url=${OS_AUTH_URL:-}"
        echo "region=${OS_REGION_NAME:-}"
        """;

    /// <summary>Args: jobs folder, job-name prefix. Stops alive jobs of that prefix (their whole process group). Runs as the stack user.</summary>
    public const string StopJobs = """
        base=$1; prefix=$2
        for d in $(find "$base" -mindepth 1 -maxdepth 1 -type d -name "$prefix*" 2>/dev/null | sort); do
          [ -f "$d/exitcode" ] && continue
          pid=$(cat "$d/pid" 2>/dev/null) || continue
          if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$d/run.sh"; then
            sudo -n kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            echo "stopped=$d"
          fi
        done
        echo "ok=yes"
        """;
}
