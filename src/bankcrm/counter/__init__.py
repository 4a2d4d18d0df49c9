"""The counter's consecutive-business verification cache (连续业务数据缓存, issue 8)."""
