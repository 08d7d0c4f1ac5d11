#!/usr/bin/env bash
# Sourced by bench/load.sh: writes the wrk Lua scripts of the scenarios into $work.

# wrk scripts: a new random user per request (user_token, get_users_info), one token (parse_token).
write_scripts() { # users, token
  cat >"$work/user_token.lua" <<LUA
local users = $1
local headers = { ["operationID"] = "bench", ["Content-Type"] = "application/json" }
function init(args) math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0)) end
function request()
  local body = '{"secret":"openIM123","platformID":' .. math.random(1, 5) .. ',"userID":"u' .. math.random(1, users) .. '"}'
  return wrk.format("POST", "/auth/user_token", headers, body)
end
LUA
  cat >"$work/parse_token.lua" <<LUA
wrk.method = "POST"
wrk.path = "/auth/parse_token"
wrk.headers["operationID"] = "bench"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"$2"}'
LUA
  cat >"$work/get_users_info.lua" <<LUA
local users = $1
local headers = { ["operationID"] = "bench", ["Content-Type"] = "application/json", ["token"] = "$2" }
function init(args) math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0)) end
function request()
  return wrk.format("POST", "/user/get_users_info", headers, '{"userIDs":["u' .. math.random(1, users) .. '"]}')
end
LUA
}
