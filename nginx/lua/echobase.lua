-- The load balancer's switch, its per-colour counters and its admin API.
-- See docs/adr/0006-switch-without-reload.md.
--
-- The active colour lives in the shared dict `echobase` and is read on every request, so a
-- switch is one dict write: no reload, no dropped keep-alive connection. Before the dict
-- changes, the colour is persisted to <state dir>/active-colour (a temp file, then a rename,
-- so the file is always whole); init() reads it back when nginx starts.
--
-- A proxied request goes through three phases here:
--   access   route(): pick the colour (the active one, or the listener's own), count it in flight
--   balancer balance(): connect to that colour's address for the service
--   log      log(): count it done (and 5xx). nginx runs the log phase once for every request it
--            finalises, client aborts and error pages included, so in-flight cannot leak.
-- The colour travels between phases in the nginx variable $echobase_colour: unlike ngx.ctx it
-- survives the internal redirect of an error_page.

local balancer = require('ngx.balancer')
local ffi = require('ffi')

-- The state file is written through the state folder's file descriptor, opened by init() in
-- the master (root when it runs as root) and inherited by the workers: they may write in the
-- folder (it is theirs) without being able to reach it by path (natively it sits under the
-- environment's 0700 state folder). pcall: another module may have declared the same.
for _, decl in ipairs({
  'int open(const char *pathname, int flags, ...);',
  'int openat(int dirfd, const char *pathname, int flags, ...);',
  'int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);',
  'int unlinkat(int dirfd, const char *pathname, int flags);',
  'long write(int fd, const void *buf, size_t count);',
  'int fsync(int fd);',
  'int close(int fd);',
  'char *strerror(int errnum);',
}) do
  pcall(ffi.cdef, decl)
end
local C = ffi.C
-- Linux, every architecture nginx runs on here (asm-generic values).
local O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC = 0, 1, 64, 512

local M = {}

local dict = ngx.shared.echobase
local COLOURS = { 'blue', 'green' }
local IS_COLOUR = { blue = true, green = true }
local SERVICES = { 'api', 'frontend' }

local ACTIVE, SWITCHED_AT, SWITCH_LOCK = 'active', 'switched_at', 'switch_lock'
-- Switches of production since nginx started (GET /metrics).
local SWITCHES = 'switches'
-- Counter keys per colour, built once.
local KEY = {}
for _, colour in ipairs(COLOURS) do
  KEY[colour] = {
    in_flight = 'in_flight:' .. colour,
    requests = 'requests:' .. colour,
    errors = 'errors_5xx:' .. colour,
  }
end

local STATE_NAME = 'active-colour'
local state_file
local state_dir_fd = -1
-- The SHA-1 of the admin API's bearer token, read by the master at start (the file is readable
-- by the master's user only) and inherited by the workers; nil when it could not be read.
local admin_token_digest
-- peers[colour][service] = { host, port, addr }; addr is the IP to connect to (nil: unknown).
local peers = {}
-- Peers whose host is a name, not an IP (the docker runtime's container names).
local named = {}

-- JSON -----------------------------------------------------------------------------------------

local ESCAPES = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }

local function json_string(s)
  if s == nil then
    return 'null'
  end
  local escaped = s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or string.format('\\u%04x', c:byte())
  end)
  return '"' .. escaped .. '"'
end

local function error_body(code, message)
  return string.format(
    '{"error":{"code":%s,"message":%s,"requestId":%s}}',
    json_string(code),
    json_string(message),
    json_string(ngx.var.echobase_request_id)
  )
end

-- Sends a whole JSON response and ends the request, from any phase. With its length, not
-- chunked: it is one short write.
local function respond(status, body, headers)
  local text = body .. '\n'
  ngx.status = status
  ngx.header['Content-Type'] = 'application/json'
  ngx.header['Content-Length'] = #text
  if headers then
    for name, value in pairs(headers) do
      ngx.header[name] = value
    end
  end
  ngx.print(text)
  return ngx.exit(ngx.HTTP_OK)
end

-- The state file -------------------------------------------------------------------------------

local function now_iso()
  ngx.update_time()
  local now = ngx.now()
  local seconds = math.floor(now)
  local ms = math.floor((now - seconds) * 1000)
  return os.date('!%Y-%m-%dT%H:%M:%S', seconds) .. string.format('.%03dZ', ms)
end

-- "green\n2025-01-01T00:00:00.000Z\n" → 'green', '2025-…'; nil when absent or unreadable.
local function read_state()
  local file, err = io.open(state_file, 'r')
  if not file then
    if not err:find('No such file', 1, true) then
      ngx.log(ngx.ERR, 'echobase: cannot read the active colour: ', err)
    end
    return nil
  end
  local text = file:read('*a') or ''
  file:close()
  local colour, at = text:match('^(%a+)\n?([^\n]*)')
  if not IS_COLOUR[colour] then
    ngx.log(ngx.ERR, 'echobase: ignoring ', state_file, ': it names no colour')
    return nil
  end
  return colour, at ~= '' and at or nil
end

local function errno_message(what)
  local errno = ffi.errno()
  return what .. ': ' .. ffi.string(C.strerror(errno))
end

-- Writes a temp file beside the state file, flushes it, then renames it over: readers (and a
-- restart, or a crash of the machine) see the old state or the new one, never a torn file.
local function write_state(colour, at)
  if state_dir_fd < 0 then
    return nil, 'the state folder could not be opened when nginx started (see its error log)'
  end
  local tmp = STATE_NAME .. '.' .. ngx.worker.pid() .. '.tmp'
  local flags = O_WRONLY + O_CREAT + O_TRUNC
  local fd = C.openat(state_dir_fd, tmp, flags, ffi.cast('int', 420)) -- 0644
  if fd < 0 then
    return nil, errno_message('cannot create ' .. tmp)
  end
  local text = colour .. '\n' .. at .. '\n'
  local ok, err = true, nil
  if tonumber(C.write(fd, text, #text)) ~= #text then
    ok, err = false, errno_message('cannot write ' .. tmp)
  elseif C.fsync(fd) ~= 0 then
    ok, err = false, errno_message('cannot flush ' .. tmp)
  end
  C.close(fd)
  if ok and C.renameat(state_dir_fd, tmp, state_dir_fd, STATE_NAME) ~= 0 then
    ok, err = false, errno_message('cannot rename ' .. tmp)
  end
  if not ok then
    C.unlinkat(state_dir_fd, tmp, 0)
    return nil, err
  end
  C.fsync(state_dir_fd)
  return true
end

-- Start ----------------------------------------------------------------------------------------

-- The token is the file's only content (surrounding whitespace ignored); at least 32
-- characters, so a truncated or placeholder file never opens the admin API.
local function read_admin_token_digest(path)
  local file, err = io.open(path, 'r')
  if not file then
    ngx.log(ngx.ERR, 'echobase: the admin API will refuse every call: ', err)
    return nil
  end
  local token = (file:read('*a') or ''):match('^%s*(%S+)%s*$')
  file:close()
  if not token or #token < 32 then
    ngx.log(ngx.ERR, 'echobase: the admin API will refuse every call: ', path, ' holds no token')
    return nil
  end
  return ngx.sha1_bin(token)
end

-- init_by_lua (nginx's master, also under `nginx -t`): the peers, the admin token, and the
-- persisted colour.
-- opts = { state_dir = '/path', admin_token_file = '/path',
--          peers = { blue = { api = 'host:port', frontend = … }, green = … } }
function M.init(opts)
  admin_token_digest = read_admin_token_digest(opts.admin_token_file)
  state_file = opts.state_dir .. '/' .. STATE_NAME
  state_dir_fd = C.open(opts.state_dir, O_RDONLY)
  if state_dir_fd < 0 then
    ngx.log(ngx.ERR, 'echobase: switches will fail: ', errno_message(opts.state_dir))
  end
  for _, colour in ipairs(COLOURS) do
    peers[colour] = {}
    for _, service in ipairs(SERVICES) do
      local spec = opts.peers[colour][service]
      local host, port = spec:match('^([%w._-]+):(%d+)$')
      if not host then
        error('echobase: ' .. colour .. ' ' .. service .. ": '" .. spec .. "' is not host:port")
      end
      local peer = { host = host, port = tonumber(port) }
      if host:match('^%d+%.%d+%.%d+%.%d+$') then
        peer.addr = host
      else
        named[#named + 1] = peer
      end
      peers[colour][service] = peer
    end
  end
  local colour, at = read_state()
  if colour then
    dict:set(ACTIVE, colour)
    dict:set(SWITCHED_AT, at)
  end
end

local function nameservers()
  local list = {}
  local file = io.open('/etc/resolv.conf', 'r')
  if file then
    for line in file:lines() do
      local server = line:match('^%s*nameserver%s+([%d.]+)%s*$')
      if server then
        list[#list + 1] = server
      end
    end
    file:close()
  end
  return list
end

-- lua-resty-dns: Debian's lua-nginx-dns names it nginx.dns.resolver, OpenResty resty.dns.
local function dns_library()
  for _, name in ipairs({ 'nginx.dns.resolver', 'resty.dns.resolver' }) do
    local ok, library = pcall(require, name)
    if ok then
      return library
    end
  end
  return nil
end

-- Peers named by host name (docker: the colour's container, which may not exist yet) are
-- resolved every second, off the request path, with lua-resty-dns (non-blocking). An unknown
-- name (NXDOMAIN) clears the address: that colour answers 502 until its container runs.
local function resolve(resolver, servers)
  local r, err = resolver:new({ nameservers = servers, retrans = 2, timeout = 500 })
  if not r then
    ngx.log(ngx.ERR, 'echobase: no DNS resolver: ', err)
    return
  end
  for _, peer in ipairs(named) do
    local answers, qerr = r:query(peer.host, { qtype = r.TYPE_A })
    local addr = peer.addr
    if not answers then
      -- The nameserver did not answer: keep the last address, and say so once.
      if peer.failure ~= qerr then
        ngx.log(ngx.WARN, 'echobase: cannot resolve ', peer.host, ': ', qerr)
      end
    elseif answers.errcode then
      addr = nil
    else
      addr = nil
      for _, answer in ipairs(answers) do
        if answer.type == r.TYPE_A then
          addr = answer.address
          break
        end
      end
    end
    peer.failure = not answers and qerr or nil
    if addr ~= peer.addr then
      ngx.log(ngx.NOTICE, 'echobase: ', peer.host, ' is now ', addr or 'unknown')
      peer.addr = addr
    end
  end
end

-- init_worker_by_lua: start resolving host names, if any peer has one.
function M.init_worker()
  if #named == 0 then
    return
  end
  local resolver = dns_library()
  if not resolver then
    ngx.log(ngx.ERR, 'echobase: peers have host names but lua-resty-dns is not installed')
    return
  end
  local servers = nameservers()
  if #servers == 0 then
    ngx.log(ngx.ERR, 'echobase: peers have host names but /etc/resolv.conf names no nameserver')
    return
  end
  local function tick(premature)
    if premature then
      return
    end
    resolve(resolver, servers)
    ngx.timer.at(1, tick)
  end
  ngx.timer.at(0, tick)
end

-- Traffic --------------------------------------------------------------------------------------

-- access_by_lua: the colour for this request (`fixed` on a colour's direct listener), counted
-- in flight from here until log().
function M.route(service, fixed)
  local colour = fixed or dict:get(ACTIVE)
  if not colour then
    return respond(503, error_body('unavailable', 'No colour is deployed yet'))
  end
  ngx.var.echobase_colour = colour
  dict:incr(KEY[colour].in_flight, 1, 0)
  if not peers[colour][service].addr then
    -- A name that does not resolve: the colour is not running. The error_page answers.
    return ngx.exit(ngx.HTTP_BAD_GATEWAY)
  end
end

-- balancer_by_lua: connect to the address of the colour route() chose.
function M.balance(service)
  local peer = peers[ngx.var.echobase_colour][service]
  local ok, err = balancer.set_current_peer(peer.addr, peer.port)
  if not ok then
    ngx.log(ngx.ERR, 'echobase: cannot use ', peer.host, ':', peer.port, ': ', err)
    return ngx.exit(ngx.ERROR)
  end
end

-- log_by_lua: the request is over, however it ended.
function M.log()
  local key = KEY[ngx.var.echobase_colour]
  if not key then
    return
  end
  local in_flight = dict:incr(key.in_flight, -1, 0)
  if in_flight and in_flight < 0 then
    dict:set(key.in_flight, 0)
  end
  dict:incr(key.requests, 1, 0)
  if ngx.status >= 500 then
    dict:incr(key.errors, 1, 0)
  end
end

-- nginx's own errors ---------------------------------------------------------------------------

-- The error_page statuses, as the API answers them (packages/infra/src/errors: same codes, same
-- envelope). 414 and 494 (line or headers too long) arrive here as 400 (error_page =400).
local NGINX_ERRORS = {
  [400] = { 'bad_request', 'the request is malformed, or its line or headers are too long' },
  [404] = { 'not_found', 'not found' },
  [413] = { 'payload_too_large', 'the request body is too large' },
  [500] = { 'internal', 'internal error' },
  [502] = { 'unavailable', '%s is not answering' },
  [503] = { 'unavailable', '%s is not available' },
  [504] = { 'unavailable', '%s did not answer in time' },
}

-- content_by_lua of the error_page location: $status is the error nginx is answering.
function M.nginx_error()
  local status = tonumber(ngx.var.status) or 500
  local known = NGINX_ERRORS[status] or NGINX_ERRORS[500]
  local colour = ngx.var.echobase_colour
  local message = known[2]:format(colour ~= '' and colour or 'the service')
  return respond(status, error_body(known[1], message))
end

-- Admin ----------------------------------------------------------------------------------------

-- The admin API answers the echobase CLI, never a web page: a browser marks what a page makes
-- it send with Origin (every cross-origin request, every POST) or Sec-Fetch-Site (every request
-- of current browsers, DNS-rebound pages included); the CLI sends neither. Then the token, and
-- (for the switch) a JSON body: a non-simple request that no form or simple request can be.
local function authorize()
  if ngx.var.http_origin or ngx.var.http_sec_fetch_site then
    respond(403, error_body('forbidden', 'the admin API does not answer web pages'))
    return false
  end
  if not admin_token_digest then
    respond(
      503,
      error_body('unavailable', 'nginx started without its admin token; see its error log')
    )
    return false
  end
  local given = (ngx.var.http_authorization or ''):match('^[Bb]earer +(%S+) *$')
  -- Digests are compared, not tokens: how long a comparison takes then tells a caller nothing
  -- about how much of a guess is right.
  if not given or ngx.sha1_bin(given) ~= admin_token_digest then
    respond(
      401,
      error_body('unauthenticated', 'the admin token is missing or wrong (Authorization: Bearer)'),
      { ['WWW-Authenticate'] = 'Bearer' }
    )
    return false
  end
  return true
end

local function allow(method)
  if ngx.req.get_method() == method then
    return true
  end
  respond(405, error_body('method_not_allowed', 'use ' .. method), { Allow = method })
  return false
end

-- GET /state
function M.admin_state()
  if not authorize() or not allow('GET') then
    return
  end
  local colours = {}
  for i, colour in ipairs(COLOURS) do
    local key = KEY[colour]
    colours[i] = string.format(
      '%s:{"inFlight":%d,"requests":%d,"errors5xx":%d}',
      json_string(colour),
      math.max(dict:get(key.in_flight) or 0, 0),
      dict:get(key.requests) or 0,
      dict:get(key.errors) or 0
    )
  end
  return respond(
    200,
    string.format(
      '{"active":%s,"switchedAt":%s,"colours":{%s}}',
      json_string(dict:get(ACTIVE)),
      json_string(dict:get(SWITCHED_AT)),
      table.concat(colours, ',')
    )
  )
end

-- The colour a switch asks for: a JSON body {"colour":"green"}.
local function requested_colour()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  return body and body:match('^%s*{.*"colour"%s*:%s*"([^"]*)".*}%s*$')
end

-- POST /switch: persist, then route. A failed write leaves the dict (and traffic) unchanged.
function M.admin_switch()
  if not authorize() or not allow('POST') then
    return
  end
  local content_type = (ngx.var.content_type or ''):lower()
  if not content_type:match('^application/json *;') and content_type ~= 'application/json' then
    return respond(
      415,
      error_body('unsupported_media_type', 'send {"colour":"blue"|"green"} as application/json')
    )
  end
  local colour = requested_colour()
  if not IS_COLOUR[colour] then
    local named_colour = colour and colour:match('^[%w_-]+$') and colour:sub(1, 32)
    return respond(
      400,
      error_body(
        'bad_colour',
        (named_colour and ("unknown colour '" .. named_colour .. "'; ") or '')
          .. 'expected {"colour":"blue"} or {"colour":"green"}'
      )
    )
  end
  -- One switch at a time across workers; the lock expires on its own if a worker dies.
  if not dict:add(SWITCH_LOCK, true, 5) then
    return respond(409, error_body('switch_in_progress', 'another switch is in progress; retry'))
  end
  local previous = dict:get(ACTIVE)
  if colour ~= previous then
    local at = now_iso()
    local ok, err = write_state(colour, at)
    if not ok then
      dict:delete(SWITCH_LOCK)
      ngx.log(ngx.ERR, 'echobase: switch to ', colour, ' not persisted: ', err)
      return respond(
        500,
        error_body('not_persisted', 'could not persist the active colour: ' .. tostring(err))
      )
    end
    dict:set(ACTIVE, colour)
    dict:set(SWITCHED_AT, at)
    dict:incr(SWITCHES, 1, 0)
    ngx.log(ngx.NOTICE, 'echobase: production now routes to ', colour, ' (was ', previous or 'none', ')')
  end
  dict:delete(SWITCH_LOCK)
  return respond(
    200,
    string.format('{"active":%s,"previous":%s}', json_string(colour), json_string(previous))
  )
end

-- GET /health: open to any local caller, so it says nothing a production answer does not
-- (X-Echobase-Colour names the active colour).
function M.admin_health()
  return respond(200, string.format('{"status":"ok","active":%s}', json_string(dict:get(ACTIVE))))
end

-- GET /metrics: the per-colour counters in Prometheus's text format, for the durable layer's
-- Prometheus. Open, like /health: request counts say nothing a production answer does not, and
-- the listener is loopback-only on the host. Counts since nginx started (a restart resets them,
-- which Prometheus's rate() takes as a counter reset).
function M.admin_metrics()
  if not allow('GET') then
    return
  end
  local active = dict:get(ACTIVE)
  local lines = {}
  local function family(name, kind, help, value_of)
    lines[#lines + 1] = '# HELP ' .. name .. ' ' .. help
    lines[#lines + 1] = '# TYPE ' .. name .. ' ' .. kind
    for _, colour in ipairs(COLOURS) do
      lines[#lines + 1] = string.format('%s{colour="%s"} %d', name, colour, value_of(colour))
    end
  end
  family(
    'echobase_lb_requests_total',
    'counter',
    'Requests the load balancer finished for each colour, on every listener',
    function(c) return dict:get(KEY[c].requests) or 0 end
  )
  family(
    'echobase_lb_errors_total',
    'counter',
    'Of those, answered 5xx (by the colour, or by nginx when the colour did not answer)',
    function(c) return dict:get(KEY[c].errors) or 0 end
  )
  family(
    'echobase_lb_in_flight_requests',
    'gauge',
    'Requests under way to each colour',
    function(c) return math.max(dict:get(KEY[c].in_flight) or 0, 0) end
  )
  family(
    'echobase_lb_active',
    'gauge',
    'The colour production routes to: 1, the other 0',
    function(c) return c == active and 1 or 0 end
  )
  lines[#lines + 1] = '# HELP echobase_lb_switches_total Switches of production to the other colour since nginx started'
  lines[#lines + 1] = '# TYPE echobase_lb_switches_total counter'
  lines[#lines + 1] = string.format('echobase_lb_switches_total %d', dict:get(SWITCHES) or 0)
  local text = table.concat(lines, '\n') .. '\n'
  ngx.status = 200
  ngx.header['Content-Type'] = 'text/plain; version=0.0.4; charset=utf-8'
  ngx.header['Content-Length'] = #text
  ngx.print(text)
  return ngx.exit(ngx.HTTP_OK)
end

return M
