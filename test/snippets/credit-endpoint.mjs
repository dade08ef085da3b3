// The seed protocol's JavaScript snippet ("Consuming Credits"), unchanged but for the
// URL and wallet taken from argv. Prints the result as JSON for the test to read.
async function callCreditEndpoint(url, agentWallet) {
  const response = await fetch(url, {
    method: "POST", // or GET
    headers: {
      "Content-Type": "application/json",
      "x-wallet-address": agentWallet,
    },
    body: JSON.stringify({ prompt: "Hello AI" }),
  });

  if (response.status === 402) {
    // Handle Insufficient Credits
    // The body will contain the standard 402 payment challenge
    const challenge = await response.json();
    console.log(JSON.stringify({ topUp: challenge }));
    return;
  }

  const data = await response.json();
  return data;
}

const [url, wallet] = process.argv.slice(2);
const data = await callCreditEndpoint(url, wallet);
if (data) console.log(JSON.stringify({ data }));
