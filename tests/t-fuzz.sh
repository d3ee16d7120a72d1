# t-fuzz: a short smoke of every libFuzzer target (tests/fuzz/), the past
# crashes replayed first. `make fuzz FUZZ_SECONDS=N` runs them longer.
FZ=${XT_BIN:-.}/build/fuzz exec tests/fuzz/run.sh "${XT_FUZZ_SECONDS:-5}" \
    fuzz_config fuzz_jid fuzz_text fuzz_lines fuzz_xmlin fuzz_roster fuzz_agent
