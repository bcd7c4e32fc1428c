{
  "targets": [
    {
      "target_name": "step_kernels",
      "sources": ["step_kernels.c", "sequence_team.c", "lstm_sequence.c", "gru_sequence.c", "adam_update.c"],
      "cflags": ["-O3", "-std=gnu11", "-pthread", "-ffp-contract=off", "-fno-trapping-math", "-fno-math-errno", "-Wall", "-Wextra"],
      "libraries": ["-ldl", "-lm", "-pthread"]
    }
  ]
}
