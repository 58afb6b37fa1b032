"""Writes vectors.json: JSON texts and what Python's json.dumps(json.loads(text)) makes of them.

Run with python3 (3.11) from this folder when adding cases; go test only reads the output.
"""
import json

cases = [
    '{}', '[]', '{"a":1}', '[1,2,3]', '{"a":{"b":[]}}', '{"a":[{"b":null},true,false]}',
    '0', '-0', '1', '-1', '12345678901234567890123', '1.0', '1.5', '-1.5', '0.1', '0.0001', '0.00001',
    '1e16', '1e15', '1234567890123456.0', '12345678901234567.0', '1e-7', '1E2', '1.0e5', '-0.0', '2.5e-3',
    '0.30000000000000004', '100.0', '1e400', '-1e400', '123456789.123456789', '5e-324', '1.7976931348623157e308',
    '"plain"', '"caf\u00e9"', '"caf\\u00e9"', '"\\u00e9"', '"\U0001F600"', '"\\ud83d\\ude00"', '"tab\\there"',
    '"nl\\nhere"', '"quote\\"here"', '"back\\\\slash"', '"slash\\/here"', '"\\u0000"', '"\\u001f"', '"\\u007f"',
    '"<b>&amp;</b>"', '"\\u2028\\u2029"', '"\u2028"', '"\\b\\f\\r"', '"\\ud800"', '"日本語"',
    '{"text":"Füße","n":[1,2.0,3e2],"nested":{"k":"v","e":{}}}',
    ' { "spaced" : [ 1 , 2 ] } ',
]
out = []
for c in cases:
    out.append([c, json.dumps(json.loads(c))])
with open("vectors.json", "w") as f:
    json.dump(out, f, indent=1)
