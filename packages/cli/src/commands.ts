/**
 * The command table and the top-level help. Each command's module is loaded only when that
 * command runs, so `leasehold candidate` does not load the demo or the embedded server.
 *
 * @module
 */

/** One subcommand: its entry point, resolving with the exit code. */
export interface Command {
  readonly summary: string;
  run(args: readonly string[]): Promise<number>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  demo: {
    summary: 'watch candidates elect a leader and fail over, live, on an embedded server',
    run: async (args) => (await import('./demo/command.js')).demoCommand(args),
  },
  server: {
    summary: 'start the embedded Lease API server (for kubectl, run and experiments)',
    run: async (args) => (await import('./server-command.js')).serverCommand([...args]),
  },
  run: {
    summary: 'run a command only while holding a Lease',
    run: async (args) => (await import('./run-command.js')).runCommand(args),
  },
  chaos: {
    summary: 'kill, pause and stop leaders and break the API at random; check the record',
    run: async (args) => (await import('./chaos-command.js')).chaosCommand(args),
  },
  status: {
    summary: 'show who holds a Lease, since when, and whether the holder looks alive',
    run: async (args) => (await import('./status-command.js')).statusCommand(args),
  },
  candidate: {
    summary: 'compete for a Lease and print leadership events as JSON lines',
    run: async (args) => (await import('./candidate-command.js')).candidateCommand(args),
  },
};

export const MAIN_HELP = `Usage: leasehold COMMAND [options]

Leader election on Kubernetes Leases.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(11)}${command.summary}`)
  .join('\n')}
  help CMD   show the help of a command

Options:
  -h, --help     show this help
  -V, --version  print the version

Run 'leasehold COMMAND --help' for the options of a command.
Exit codes: 0 success, 1 failure, 2 bad arguments; 'run' passes on COMMAND's status.`;
