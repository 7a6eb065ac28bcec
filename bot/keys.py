"""The names under which the application keeps its shared objects in `bot_data`."""

ENGINE, EXECUTOR, SETTINGS, BATCHER = "engine", "executor", "settings", "batcher"
STORE, FLOOD, INFLIGHT, PURGER = "store", "flood", "inflight", "purger"
RELOAD_LOCK = "reload_lock"
