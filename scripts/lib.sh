# shellcheck shell=bash
# Helpers shared by the scripts in scripts/ (source it, do not run it).
#
# Every function is prefixed `dev_` so sourcing this file cannot clash with a caller's names.
# The functions work under `set -euo pipefail`; they never change the caller's shell options.
# Paths are relative to the repository root unless said otherwise: call `dev_cd_root` first.

if [[ -n "${DEV_LIB_SOURCED:-}" ]]; then
    return 0
fi
DEV_LIB_SOURCED=1

DEV_DIR=".dev"                 # runtime state: pid files, logs, the env file (git-ignored)
DEV_VENV=".venv"               # Python tools: moto server, boto3 (git-ignored)
DEV_REQUIREMENTS="scripts/requirements-dev.txt"
DEV_REQUIREMENTS_STAMP="$DEV_VENV/.requirements.sha256"

# Our own probes and boto3 calls go to 127.0.0.1; a corporate proxy in the environment must not
# intercept them.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"

dev_log() { printf '%s\n' "$*" >&2; }

dev_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# cd to the repository root, found from this file's location, so scripts work from any directory.
dev_cd_root() {
    cd -P "$(dirname "${BASH_SOURCE[0]}")/.." || dev_die "cannot cd to the repository root"
}

dev_sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    else
        dev_python -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
    fi
}

# Run a command with a time limit where coreutils `timeout` exists (not on stock macOS).
dev_bounded() {
    local seconds=$1
    shift
    if command -v timeout >/dev/null 2>&1; then
        timeout "$seconds" "$@"
    else
        "$@"
    fi
}

# --- Cargo ------------------------------------------------------------------------------------

# Print cargo's target directory: `target/` unless CARGO_TARGET_DIR or a cargo config moves it
# (a common setting), so scripts find the binaries where cargo really put them.
dev_target_dir() {
    cargo metadata --no-deps --format-version 1 |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' ||
        dev_die "cargo metadata failed; cannot find cargo's target directory"
}

# --- the list of platforms -------------------------------------------------------------------

# Ask infra/platforms.json through scripts/platforms.py (standard library only, so it works
# before .venv exists), e.g. `dev_platforms names`, `dev_platforms get cv3 sandbox.binary`.
dev_platforms() {
    dev_python scripts/platforms.py "$@"
}

# --- Python virtual environment ---------------------------------------------------------------

# Ensure .venv exists and has scripts/requirements-dev.txt installed. pip runs only when the
# requirements changed since the last successful install (or the tools are missing), so `up`
# stays fast and works offline once installed.
dev_ensure_venv() {
    if [[ ! -x "$DEV_VENV/bin/python" ]] || ! "$DEV_VENV/bin/python" -c '' >/dev/null 2>&1; then
        command -v python3 >/dev/null 2>&1 ||
            dev_die "python3 not found on PATH; install Python 3.11+ to run the local stack"
        python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
            dev_die "python3 has no 'venv'/'ensurepip' module (Debian/Ubuntu: apt-get install python3-venv)"
        dev_log "creating Python virtual environment in $DEV_VENV"
        python3 -m venv "$DEV_VENV" || dev_die "python3 -m venv $DEV_VENV failed"
    fi

    local want have=""
    want=$(dev_sha256 "$DEV_REQUIREMENTS")
    [[ -f "$DEV_REQUIREMENTS_STAMP" ]] && have=$(<"$DEV_REQUIREMENTS_STAMP")
    if [[ "$want" == "$have" && -x "$DEV_VENV/bin/moto_server" ]]; then
        return 0
    fi

    mkdir -p "$DEV_DIR"
    local log="$DEV_DIR/pip.log"
    dev_log "installing $DEV_REQUIREMENTS into $DEV_VENV (log: $log)"
    if ! dev_bounded 1800 "$DEV_VENV/bin/python" -m pip install --disable-pip-version-check \
        -r "$DEV_REQUIREMENTS" >"$log" 2>&1; then
        tail -n 20 "$log" >&2 || true
        dev_die "pip install -r $DEV_REQUIREMENTS failed (full log: $log)"
    fi
    printf '%s\n' "$want" >"$DEV_REQUIREMENTS_STAMP"
}

# --- processes and pid files ------------------------------------------------------------------

# Alive and not a zombie (an exited child nobody has reaped yet still answers kill -0).
dev_pid_alive() {
    local stat
    [[ "$1" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null || return 1
    if [[ -r "/proc/$1/stat" ]]; then
        stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
        [[ "${stat##*) }" != Z* ]]
    fi
}

dev_file_mtime() {
    stat -c %Y "$1" 2>/dev/null || stat -f %m "$1"
}

# Start time of a process in seconds since the epoch (Linux /proc), empty where unknown.
dev_pid_start_epoch() {
    local pid=$1 stat rest btime ticks
    [[ -r "/proc/$pid/stat" && -r /proc/stat ]] || return 0
    stat=$(<"/proc/$pid/stat") || return 0
    rest=${stat##*) }                 # the command name may contain spaces and parentheses
    # shellcheck disable=SC2086
    set -- $rest                      # $1 is field 3 (state), so field 22 (starttime) is $20
    btime=$(awk '/^btime/ {print $2}' /proc/stat)
    ticks=$(getconf CLK_TCK 2>/dev/null || echo 100)
    [[ -n "$btime" && -n "${20:-}" ]] && echo $((btime + ${20} / ticks))
}

# The pid recorded in a pid file, if that process is still the one that wrote it. A process
# that started after the pid file was written is a stranger that reused the pid: leave it alone.
dev_pidfile_pid() {
    local file=$1 pid started
    [[ -f "$file" ]] || return 1
    pid=$(tr -d '[:space:]' <"$file")
    dev_pid_alive "$pid" || return 1
    started=$(dev_pid_start_epoch "$pid")
    if [[ -n "$started" ]] && ((started > $(dev_file_mtime "$file") + 2)); then
        return 1
    fi
    echo "$pid"
}

# Stop the process named by a pid file (TERM, then KILL after a bounded wait) and remove the
# file. Prints what it stopped; silent when the process was already gone.
dev_stop_pidfile() {
    local file=$1 name pid i
    name=$(basename "$file" .pid)
    if pid=$(dev_pidfile_pid "$file"); then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            dev_pid_alive "$pid" || break
            sleep 0.2
        done
        if dev_pid_alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            dev_log "stopped $name (pid $pid, killed after 10 s)"
        else
            dev_log "stopped $name (pid $pid)"
        fi
    fi
    rm -f "$file"
}

# Start a command in the background, detached from this terminal's session, output appended to
# a log file; prints its pid. The pid is the command's own (setsid/nohup exec, they do not fork).
dev_spawn() {
    local log=$1
    shift
    if command -v setsid >/dev/null 2>&1; then
        setsid "$@" </dev/null >>"$log" 2>&1 &
    else
        nohup "$@" </dev/null >>"$log" 2>&1 &
    fi
    echo $!
}

# --- networking -------------------------------------------------------------------------------

# The project's Python once .venv exists (it does not depend on PATH), python3 before that.
dev_python() {
    if [[ -x "$DEV_VENV/bin/python" ]]; then
        "$DEV_VENV/bin/python" "$@"
    else
        python3 "$@"
    fi
}

# A TCP port on 127.0.0.1 that nobody listens on right now, chosen by the OS.
dev_free_port() {
    dev_python -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

dev_port_free() {
    dev_python -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()' "$1"
}

# True when an HTTP server on 127.0.0.1:PORT answers GET PATH with status 200. Pure bash
# (/dev/tcp), so no proxy settings and no curl are involved; bounded by a 2 s read timeout.
dev_http_ok() {
    local port=$1 path=${2:-/} line=""
    {
        exec 3<>"/dev/tcp/127.0.0.1/$port"
    } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&3
    IFS= read -r -t 2 line <&3 || true
    exec 3<&- 3>&-
    [[ "$line" =~ ^HTTP/[0-9.]+\ 200 ]]
}

# Wait (bounded) until PID answers HTTP on PORT. On failure show the log tail and die.
dev_wait_http() {
    local name=$1 pid=$2 port=$3 path=$4 log=$5 seconds=${6:-30} i
    for ((i = 0; i < seconds * 5; i++)); do
        if ! dev_pid_alive "$pid"; then
            dev_log "--- last lines of $log ---"
            tail -n 20 "$log" >&2 || true
            dev_die "$name (pid $pid) exited during start-up"
        fi
        dev_http_ok "$port" "$path" && return 0
        sleep 0.2
    done
    dev_log "--- last lines of $log ---"
    tail -n 20 "$log" >&2 || true
    dev_die "$name (pid $pid) did not answer on 127.0.0.1:$port within ${seconds} s"
}

# --- locking ----------------------------------------------------------------------------------

# Serialise concurrent `up`/`down` runs (e.g. parallel test harnesses) with a lock directory,
# portable where flock(1) is missing. A lock left by a dead process is taken over.
dev_lock() {
    local lock="$DEV_DIR/lock" seconds=${1:-600} i owner
    mkdir -p "$DEV_DIR"
    for ((i = 0; i < seconds * 5; i++)); do
        if mkdir "$lock" 2>/dev/null; then
            echo $$ >"$lock/pid"
            trap 'dev_unlock' EXIT
            return 0
        fi
        owner=$(cat "$lock/pid" 2>/dev/null || true)
        if [[ -n "$owner" ]] && ! dev_pid_alive "$owner"; then
            rm -rf "$lock"
            continue
        fi
        sleep 0.2
    done
    dev_die "another scripts/dev run (pid ${owner:-?}) holds $lock for more than ${seconds} s"
}

dev_unlock() {
    local lock="$DEV_DIR/lock"
    if [[ "$(cat "$lock/pid" 2>/dev/null || true)" == "$$" ]]; then
        rm -rf "$lock"
    fi
}
