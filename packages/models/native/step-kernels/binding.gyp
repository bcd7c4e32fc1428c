{
  "targets": [
    {
      "target_name": "step_kernels",
      "sources": ["step_kernels.c", "lstm_sequence.c"],
      "cflags": ["-O3", "-std=gnu11", "-pthread", "-ffp-contract=off", "-fno-trapping-math", "-Wall", "-Wextra"],
      "libraries": ["-ldl", "-lm", "-pthread"]
    }
  ]
}
