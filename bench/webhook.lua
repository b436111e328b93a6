-- wrk script: POST valid Telegram updates with unique update_ids to the bot's webhook.
-- Used by bench/webhook.py; SECRET and CHATS come from the environment.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = os.getenv("SECRET")
end

local chats = tonumber(os.getenv("CHATS") or "1000")
local first_chat = tonumber(os.getenv("FIRST_CHAT") or "8000000")

function request()
  counter = counter + 1
  local update_id = thread_id * 100000000 + counter
  local chat = first_chat + (update_id % chats)
  local body = string.format(
    '{"update_id":%d,"message":{"message_id":%d,"date":1795780000,' ..
    '"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"R"},' ..
    '"text":"/help","entities":[{"type":"bot_command","offset":0,"length":5}]}}',
    update_id, counter, chat, chat)
  return wrk.format(nil, nil, nil, body)
end
