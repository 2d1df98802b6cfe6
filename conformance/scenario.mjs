// Runs the scenario named on the command line and sets the exit code: 0 when its assertions hold.
export async function runScenario(scenarios, cleanup = async () => {}) {
  const name = process.argv[2];
  if (!scenarios[name]) {
    console.error(`unknown scenario '${name}'; known: ${Object.keys(scenarios).join(", ")}`);
    process.exit(2);
  }
  try {
    await scenarios[name]();
    console.log(`ok ${name}`);
  } catch (error) {
    console.error(`not ok ${name}`);
    console.error(error);
    process.exitCode = 1;
  } finally {
    await cleanup();
    // Open sockets of stopped SDK clients must not keep the process (and the test waiting on it) alive.
    setTimeout(() => process.exit(), 200);
  }
}

// Polls until predicate() holds, failing with what was awaited after timeoutMs.
export async function waitFor(predicate, what, timeoutMs = 15000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
