{
  "targets": [
    {
      "target_name": "step_kernels",
      "sources": ["step_kernels.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-trapping-math", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    }
  ]
}
