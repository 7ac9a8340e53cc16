#!/usr/bin/env node
// May this account publish now? A fail-closed can-publish check for Node 18+ (built-in fetch).
//
//   PURDAH_URL=https://purdah.example.gov.uk PURDAH_KEY=... \
//     node can-publish.mjs facebook-redruthtowncouncil [2029-04-10T12:00:00+01:00] [event]
//
// Exit status 0: allowed (a 200 whose body says "allowed": true). Exit status 1: do not post,
// for every other answer: refused, referred, a wrong key, a network error, a timeout, any
// status but 200, a body that is not a decision. Exit status 2: the command was used wrongly.

const TIMEOUT_MS = Number(process.env.PURDAH_TIMEOUT_MS ?? 5000);

export async function canPublish(baseUrl, key, accountId, { at, category = "general" } = {}) {
  if (at !== undefined && !/(Z|[+-]\d{2}:\d{2})$/.test(at)) {
    throw new Error(`at must carry a UTC offset (e.g. +01:00 or Z): ${at}`);
  }
  const url = new URL(
    `/v1/accounts/${encodeURIComponent(accountId)}/can-publish`,
    baseUrl,
  );
  url.searchParams.set("category", category);
  if (at !== undefined) url.searchParams.set("at", at);
  try {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${key}`, Accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status !== 200) {
      return { allowed: false, why: `status ${response.status}` };
    }
    const decision = await response.json();
    if (decision === null || typeof decision !== "object" || decision.allowed !== true) {
      return { allowed: false, why: String(decision?.outcome ?? "not a decision"), decision };
    }
    return { allowed: true, why: "allow", decision };
  } catch (error) {
    // Network errors, timeouts (AbortSignal) and bodies that are not JSON: do not post.
    return { allowed: false, why: `${error.name}: ${error.message}` };
  }
}

async function main(argv) {
  const [accountId, at, category] = argv;
  const { PURDAH_URL: baseUrl, PURDAH_KEY: key } = process.env;
  if (!accountId || !baseUrl || !key) {
    console.error("usage: PURDAH_URL=... PURDAH_KEY=... node can-publish.mjs ACCOUNT [AT] [CATEGORY]");
    return 2;
  }
  let answer;
  try {
    answer = await canPublish(baseUrl, key, accountId, { at, category });
  } catch (error) {
    console.error(error.message);
    return 2;
  }
  console.log(answer.allowed ? "allowed" : `do not post (${answer.why})`);
  return answer.allowed ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
