"""The service over HTTP: a real server (uvicorn on loopback) and emulator, both backends."""
