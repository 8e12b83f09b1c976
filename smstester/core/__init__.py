"""The pure core of smstester: no Qt import, ever.

The test to send (`model`), checking and building its request (`request`), envelope parsing,
the HTTP client, phone numbers, SMS segments, curl rendering, profiles, the keyring and
masking (`redaction`). The window, the CLI and the sandbox all sit on it.

Exceptions
==========

Every exception the core raises on purpose, and the CLI's own. Each one's message is plain
words a user may read; anything else escaping is a bug (the front ends show it as an
unexpected error)::

    ValueError
    ├── InvalidInput ................ model: the test cannot be sent; `.problems` lists
    │                                 every field (request.normalized, build_request)
    ├── ProfileError ................ profiles: a profile operation cannot be done
    │   ├── NameTaken ............... another profile already has that name
    │   ├── ProfileNotFound ......... no profile has that name or id (also a KeyError)
    │   └── StoreReadOnly ........... the file is newer or unreadable: see `warning`
    ├── JsonTooDeep ................. storage.decode_json: nested deeper than the parser
    │                                 follows (its other failures: UnicodeDecodeError and
    │                                 ValueError from `json`)
    └── ValueError itself ........... model.check_seconds (a timeout out of range), and a
                                      caller's bug (keystore: no such secret field;
                                      connection: a flag that is no field, or a secret)
    OSError ......................... storage.atomic_write_bytes: the folder cannot be written
                                      (the old file is untouched); ProfileStore
                                      turns it into a ProfileError
    Exception
    └── CommandError ................ cli.common: a command cannot go on; `.exit_code`

Never raised: `SmsClient.send` turns every network failure into a `SendResult` with a
`Failure`; `SecretStore` turns every keyring error into its `status()` and keeps secrets in
memory; `Settings` keeps a value it cannot write for the session. `ProfileError` is what a
front end shows in words; the sandbox raises only RuntimeError for a misuse of its server
(used after `stop`, or before `start`).
"""
