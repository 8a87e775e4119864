// Subcommands whose modules are still being built.
let agentCommand = Command(name: "agent", summary: "Run the host agent (coming).", usage: "changebus agent --config FILE", options: [], valued: [], boolean: []) { _ in 1 }
