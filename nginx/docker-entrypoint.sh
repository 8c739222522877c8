#!/bin/sh
# Renders the load balancer's config from echobase.conf.template, then runs nginx in the
# foreground. Only the listed ${NAME} placeholders are filled, so nginx's own $variables pass
# through; a missing value or a placeholder left unfilled is an error, never an empty string in
# a live config (the same rule as the native runtime's renderer).
set -eu

template=${NGINX_TEMPLATE:-/etc/nginx/echobase.conf.template}
conf=${NGINX_CONF:-/etc/nginx/nginx.conf}

# Every placeholder of the template (compose.test.ts holds this list to it).
# shellcheck disable=SC2016 # the list is for envsubst, not the shell
placeholders='${NGINX_USER} ${NGINX_LOG_DIR} ${NGINX_PID_FILE} ${NGINX_TEMP_DIR}
  ${NGINX_STATE_DIR} ${NGINX_LUA_DIR} ${NGINX_ADMIN_TOKEN_FILE} ${LB_UPSTREAM_BIND}
  ${LB_BIND} ${LB_ADMIN_BIND} ${LB_PRODUCTION_PORT} ${LB_BLUE_PORT} ${LB_GREEN_PORT} ${LB_ADMIN_PORT}
  ${BLUE_API_HOST} ${BLUE_API_PORT} ${BLUE_FRONTEND_HOST} ${BLUE_FRONTEND_PORT}
  ${GREEN_API_HOST} ${GREEN_API_PORT} ${GREEN_FRONTEND_HOST} ${GREEN_FRONTEND_PORT}'

# shellcheck disable=SC2016 # strips the characters $ { and }
for name in $(echo "$placeholders" | tr -d '${}'); do
  if [ -z "$(printenv "$name" || true)" ]; then
    echo "docker-entrypoint: $name is not set" >&2
    exit 1
  fi
done

envsubst "$placeholders" <"$template" >"$conf"

# shellcheck disable=SC2016 # a literal ${NAME}, not an expansion
if left=$(grep -o '\${[A-Z][A-Z0-9_]*}' "$conf"); then
  echo "docker-entrypoint: no value for $(echo "$left" | sort -u | tr '\n' ' ')in $template" >&2
  exit 1
fi

# The admin token, from compose (the CLI's process environment), into a file only this user
# reads: nginx's master reads it at start and its workers inherit the value, not the file. It
# leaves the environment before nginx starts.
if [ -z "${LB_ADMIN_TOKEN:-}" ]; then
  echo "docker-entrypoint: LB_ADMIN_TOKEN is not set" >&2
  exit 1
fi
mkdir -p "$(dirname "$NGINX_ADMIN_TOKEN_FILE")"
(umask 077 && printf '%s\n' "$LB_ADMIN_TOKEN" >"$NGINX_ADMIN_TOKEN_FILE")
unset LB_ADMIN_TOKEN

# The workers write the active colour here: a volume mounted over it may belong to anyone.
mkdir -p "$NGINX_STATE_DIR"
if [ "$(id -u)" = 0 ]; then
  chown "${NGINX_USER%% *}" "$NGINX_STATE_DIR"
fi

exec nginx -c "$conf" -g 'daemon off;'
