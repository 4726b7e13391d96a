{
    "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
    "verificationMaterial": {
        "publicKey": {
            "hint": "aca29fd8477f4fd7e693ccfd17446b83f2bfc456792d6f5a92c2c37085908c16"
        },
        "tlogEntries": []
    },
    "dsseEnvelope": {
        "payload": "ewogICJfdHlwZSI6ICJodHRwczovL2luLXRvdG8uaW8vU3RhdGVtZW50L3YxIiwKICAic3ViamVjdCI6IFsKICAgIHsKICAgICAgIm5hbWUiOiAibW9kZWwiLAogICAgICAiZGlnZXN0IjogewogICAgICAgICJzaGEyNTYiOiAiYzQzYTQzMTYyZDY0MWQ3YTI3YWNjZjEzODIxOGRmYTk3MTQyODM1M2ZkN2ZlYmVjMTAyMjM5OGJlM2EzZGVmNyIKICAgICAgfQogICAgfQogIF0sCiAgInByZWRpY2F0ZVR5cGUiOiAiaHR0cHM6Ly9tb2RlbF9zaWduaW5nL3NpZ25hdHVyZS92MS4wIiwKICAicHJlZGljYXRlIjogewogICAgInJlc291cmNlcyI6IFsKICAgICAgewogICAgICAgICJuYW1lIjogInN1Yi9jb25maWcuanNvbiIsCiAgICAgICAgImFsZ29yaXRobSI6ICJzaGEyNTYiLAogICAgICAgICJkaWdlc3QiOiAiY2EzZDE2M2JhYjA1NTM4MTgyNzIyNjE0MDU2OGYzYmVmN2VhYWMxODdjZWJkNzY4NzhlMGI2M2U5ZTQ0MjM1NiIKICAgICAgfSwKICAgICAgewogICAgICAgICJuYW1lIjogIndlaWdodHMuYmluIiwKICAgICAgICAiYWxnb3JpdGhtIjogInNoYTI1NiIsCiAgICAgICAgImRpZ2VzdCI6ICJjZjk0NWI1MjM2ZTEwMWRiZTA0NzFkNTIwMGYyOGIxYWU2NGYyMWMxZjM1YmY1NWZjZjQwY2QwZmU0MmNkOGU3IgogICAgICB9CiAgICBdLAogICAgInNlcmlhbGl6YXRpb24iOiB7CiAgICAgICJtZXRob2QiOiAiZmlsZXMiLAogICAgICAiaGFzaF90eXBlIjogInNoYTI1NiIsCiAgICAgICJhbGxvd19zeW1saW5rcyI6IGZhbHNlLAogICAgICAiaWdub3JlX3BhdGhzIjogWwogICAgICAgICIuZ2l0IiwKICAgICAgICAiLmdpdGF0dHJpYnV0ZXMiLAogICAgICAgICIuZ2l0aHViIiwKICAgICAgICAiLmdpdGlnbm9yZSIKICAgICAgXQogICAgfQogIH0KfQ==",
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [
            {
                "sig": "MEUCIQCXS3gcqyQA6g6xt6O1pwuZ71TnFv5Ak5JBXCLWKfnfLQIgKRd9kaGTAL2yLfd67zexxRUA89E6kZb1jdOL6kIgqSE=",
                "keyid": ""
            }
        ]
    }
}
