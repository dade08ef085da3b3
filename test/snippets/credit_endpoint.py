# The seed protocol's Python snippets (balance with requests.get, a call with
# requests.post), unchanged but for the base URL, slug and wallet taken from argv.
import json
import sys

import requests

base, slug, wallet = sys.argv[1:4]

response = requests.get(
    f"{base}/api/credits/balance",
    params={"endpoint": slug},
    headers={"x-wallet-address": wallet},
)
balance = response.json()

response = requests.post(
    f"{base}/api/public/endpoints/{slug}",
    headers={"Content-Type": "application/json", "x-wallet-address": wallet},
    json={"prompt": "Hello AI"},
)
print(json.dumps({
    "balance": balance,
    "status": response.status_code,
    "charged": response.headers.get("x-credits-charged"),
    "body": response.json(),
}))
