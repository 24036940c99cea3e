-- Mixed load for bench/soak.sh: owner reads (each writes an access-log row), reads through a
-- share link, the community feed, discovery with search, and profile updates.
local token = os.getenv("SOAK_TOKEN")
local session = os.getenv("SOAK_SESSION")
local share = os.getenv("SOAK_SHARE")
local auth = { ["Authorization"] = "Bearer " .. token }
local n = 0

request = function()
  n = n + 1
  local k = n % 5
  if k == 0 then
    return wrk.format("GET", "/api/sessions/" .. session, auth)
  elseif k == 1 then
    return wrk.format("GET", "/api/shared/" .. share)
  elseif k == 2 then
    return wrk.format("GET", "/api/public/sessions?limit=20")
  elseif k == 3 then
    return wrk.format("GET", "/api/shelves/public?search=shelf")
  end
  return wrk.format("PATCH", "/api/auth/profile",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
    '{"display_name": "Soak ' .. n .. '"}')
end
