#!/usr/bin/env bash
# Runs nginx in the foreground under the environment's supervisor:
#   nginx-foreground.sh <prefix> <nginx> <nginx arguments...>
# nginx's workers outlive a master killed with SIGKILL and keep its listen sockets, so a new
# master could not bind (measured: they go on serving). Every worker whose working folder is
# this prefix belongs to a dead master (a live one would be this program, which is not running
# yet), so each gets SIGQUIT: it closes its listeners at once and finishes what it serves.
set -euo pipefail

prefix=$1
shift
for proc in /proc/[0-9]*; do
  # Builtins first: a command substitution per process would cost about 0.4 s on 100 of them.
  { read -r comm <"$proc/comm"; } 2>/dev/null || continue
  [[ $comm == nginx ]] || continue
  [[ $(readlink "$proc/cwd" 2>/dev/null) == "$prefix" ]] || continue
  [[ $(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) == "nginx: worker process"* ]] || continue
  kill -QUIT "${proc#/proc/}" 2>/dev/null || true
done
cd "$prefix"
exec "$@"
