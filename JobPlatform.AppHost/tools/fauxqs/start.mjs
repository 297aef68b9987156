// Starts fauxqs for the AppHost (and in the emulator's Kubernetes image). Unlike fauxqs's own CLI it keeps request logging off unless
// FAUXQS_LOGGER=true, and persists queues when FAUXQS_DATA_DIR is set.
import { startFauxqs } from "fauxqs";

await startFauxqs({
  logger: process.env.FAUXQS_LOGGER === "true",
  dataDir: process.env.FAUXQS_DATA_DIR || undefined,
  // Queues to create at start (the Kubernetes image's ConfigMap); the AppHost creates them itself.
  init: process.env.FAUXQS_INIT || undefined,
});
console.log(`fauxqs listening on port ${process.env.FAUXQS_PORT ?? 4566}`);
