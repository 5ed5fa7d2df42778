"""The catalog: the resource directory (政务数据资源目录), sharing statistics, sharing applications,
their API and web UI. See catalog/README.md."""
