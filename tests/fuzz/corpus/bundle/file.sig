{
    "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
    "verificationMaterial": {
        "publicKey": {
            "hint": "aca29fd8477f4fd7e693ccfd17446b83f2bfc456792d6f5a92c2c37085908c16"
        },
        "tlogEntries": []
    },
    "dsseEnvelope": {
        "payload": "ewogICJfdHlwZSI6ICJodHRwczovL2luLXRvdG8uaW8vU3RhdGVtZW50L3YxIiwKICAic3ViamVjdCI6IFsKICAgIHsKICAgICAgIm5hbWUiOiAid2VpZ2h0cy5iaW4iLAogICAgICAiZGlnZXN0IjogewogICAgICAgICJzaGEyNTYiOiAiYTFhZjk3ZGRmOWM4ZTBkYmY0NjM1YTQzZDczNzRjYTg0YmI0NDVlYjQwM2FiOWVkYTBiNmMwOGYzNGNlMmMyNSIKICAgICAgfQogICAgfQogIF0sCiAgInByZWRpY2F0ZVR5cGUiOiAiaHR0cHM6Ly9tb2RlbF9zaWduaW5nL3NpZ25hdHVyZS92MS4wIiwKICAicHJlZGljYXRlIjogewogICAgInJlc291cmNlcyI6IFsKICAgICAgewogICAgICAgICJuYW1lIjogIndlaWdodHMuYmluIiwKICAgICAgICAiYWxnb3JpdGhtIjogInNoYTI1NiIsCiAgICAgICAgImRpZ2VzdCI6ICJjZjk0NWI1MjM2ZTEwMWRiZTA0NzFkNTIwMGYyOGIxYWU2NGYyMWMxZjM1YmY1NWZjZjQwY2QwZmU0MmNkOGU3IgogICAgICB9CiAgICBdLAogICAgInNlcmlhbGl6YXRpb24iOiB7CiAgICAgICJtZXRob2QiOiAiZmlsZXMiLAogICAgICAiaGFzaF90eXBlIjogInNoYTI1NiIsCiAgICAgICJhbGxvd19zeW1saW5rcyI6IGZhbHNlLAogICAgICAiaWdub3JlX3BhdGhzIjogWwogICAgICAgICIuZ2l0IiwKICAgICAgICAiLmdpdGF0dHJpYnV0ZXMiLAogICAgICAgICIuZ2l0aHViIiwKICAgICAgICAiLmdpdGlnbm9yZSIKICAgICAgXQogICAgfQogIH0KfQ==",
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [
            {
                "sig": "MEYCIQCdGyjA7piB/SojijomKWG9dDf29LwKpQA3qBWmD0QKOAIhAPc6kmzeUZBKhJdOt9O3vgAOJaAw1VqCIvD3knbLMA1y",
                "keyid": ""
            }
        ]
    }
}
