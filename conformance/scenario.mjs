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
