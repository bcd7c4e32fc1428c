{
  "targets": [
    {
      "target_name": "lstm_kernels",
      "sources": ["lstm_kernels.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-trapping-math", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    }
  ]
}
