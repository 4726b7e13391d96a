{
    "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
    "verificationMaterial": {
        "publicKey": {
            "hint": "aca29fd8477f4fd7e693ccfd17446b83f2bfc456792d6f5a92c2c37085908c16"
        },
        "tlogEntries": []
    },
    "dsseEnvelope": {
        "payload": "ewogICJfdHlwZSI6ICJodHRwczovL2luLXRvdG8uaW8vU3RhdGVtZW50L3YxIiwKICAic3ViamVjdCI6IFsKICAgIHsKICAgICAgIm5hbWUiOiAibW9kZWwiLAogICAgICAiZGlnZXN0IjogewogICAgICAgICJzaGEyNTYiOiAiYzQzYTQzMTYyZDY0MWQ3YTI3YWNjZjEzODIxOGRmYTk3MTQyODM1M2ZkN2ZlYmVjMTAyMjM5OGJlM2EzZGVmNyIKICAgICAgfQogICAgfQogIF0sCiAgInByZWRpY2F0ZVR5cGUiOiAiaHR0cHM6Ly9tb2RlbF9zaWduaW5nL3NpZ25hdHVyZS92MS4wIiwKICAicHJlZGljYXRlIjogewogICAgInJlc291cmNlcyI6IFsKICAgICAgewogICAgICAgICJuYW1lIjogInN1Yi9jb25maWcuanNvbjowOjMiLAogICAgICAgICJhbGdvcml0aG0iOiAic2hhMjU2IiwKICAgICAgICAiZGlnZXN0IjogImNhM2QxNjNiYWIwNTUzODE4MjcyMjYxNDA1NjhmM2JlZjdlYWFjMTg3Y2ViZDc2ODc4ZTBiNjNlOWU0NDIzNTYiCiAgICAgIH0sCiAgICAgIHsKICAgICAgICAibmFtZSI6ICJ3ZWlnaHRzLmJpbjowOjIiLAogICAgICAgICJhbGdvcml0aG0iOiAic2hhMjU2IiwKICAgICAgICAiZGlnZXN0IjogImNmOTQ1YjUyMzZlMTAxZGJlMDQ3MWQ1MjAwZjI4YjFhZTY0ZjIxYzFmMzViZjU1ZmNmNDBjZDBmZTQyY2Q4ZTciCiAgICAgIH0KICAgIF0sCiAgICAic2VyaWFsaXphdGlvbiI6IHsKICAgICAgIm1ldGhvZCI6ICJzaGFyZHMiLAogICAgICAiaGFzaF90eXBlIjogInNoYTI1NiIsCiAgICAgICJzaGFyZF9zaXplIjogMywKICAgICAgImFsbG93X3N5bWxpbmtzIjogZmFsc2UsCiAgICAgICJpZ25vcmVfcGF0aHMiOiBbCiAgICAgICAgIi5naXQiLAogICAgICAgICIuZ2l0YXR0cmlidXRlcyIsCiAgICAgICAgIi5naXRodWIiLAogICAgICAgICIuZ2l0aWdub3JlIgogICAgICBdCiAgICB9CiAgfQp9",
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [
            {
                "sig": "MEUCIQCFzZktRKKy8xRiTUYSNR+n2x68SMHFsOgJ6hu3/5KfsAIgHL2HuhOpEAa2qb6FtUz8BA3n6FfQOcPRCGb8LAyXaYo=",
                "keyid": ""
            }
        ]
    }
}
