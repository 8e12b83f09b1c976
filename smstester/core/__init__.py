"""The pure core of smstester: no Qt import, ever.

Request building, envelope parsing, the HTTP client, phone numbers, SMS segments,
curl rendering, profiles and secrets. The window, the CLI and the sandbox all sit on it.
"""
