{
  "targets": [
    {
      "target_name": "page_release",
      "sources": ["page_release.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
