-- wrk: POST a new contact (the HTML form, with the session's CSRF token) on
-- every request. BENCH_CSRF and BENCH_PATH come from the environment; each
-- request leaves form_id blank, so each records a new contact.
local csrf = os.getenv("BENCH_CSRF")
local path = os.getenv("BENCH_PATH")
local day = os.getenv("BENCH_DAY")
local month = os.getenv("BENCH_MONTH")
local year = os.getenv("BENCH_YEAR")
wrk.method = "POST"
wrk.path = path
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "csrf_token=" .. csrf .. "&form_id=&kind=phone&when-day=" .. day
  .. "&when-month=" .. month .. "&when-year=" .. year
  .. "&when-time=09%3A30&two_way=yes&summary=Benchmark+phone+call+to+check+in"
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
