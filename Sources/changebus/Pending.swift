// Subcommands whose modules are still being built.
let publishCommand = Command(name: "publish", summary: "Publish a change event (coming).", usage: "changebus publish", options: [], valued: [], boolean: []) { _ in 1 }
let gitHookCommand = Command(name: "git-hook", summary: "post-receive hook (coming).", usage: "changebus git-hook", options: [], valued: [], boolean: []) { _ in 1 }
let installHookCommand = Command(name: "install-hook", summary: "Install the hook (coming).", usage: "changebus install-hook", options: [], valued: [], boolean: []) { _ in 1 }
let outboxCommand = Command(name: "outbox", summary: "Outbox (coming).", usage: "changebus outbox", options: [], valued: [], boolean: []) { _ in 1 }
