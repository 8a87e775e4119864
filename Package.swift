// swift-tools-version:6.0
// changebus: event-driven change rollout over RabbitMQ (librabbitmq) in Swift.
import PackageDescription

let package = Package(
    name: "changebus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "changebus", targets: ["changebus"]),
        .library(name: "AMQP", targets: ["AMQP"]),
        .library(name: "ChangeBus", targets: ["ChangeBus"]),
    ],
    targets: [
        // C at the edge: system libraries from Debian's -dev packages.
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // What Swift cannot call directly (amqp_login is variadic).
        .target(name: "CShims", dependencies: ["CRabbitMQ"]),
        // glibc's GNU extensions for spawning processes, which Swift's Glibc module hides.
        .target(name: "CProcess"),

        // The only module that touches rabbitmq-c.
        .target(name: "AMQP", dependencies: ["CRabbitMQ", "CShims"]),
        // The only module that touches libsodium: Ed25519 and SHA-256.
        .target(name: "Crypto", dependencies: ["CSodium"]),
        // Domain: messages, selector, signing, config, topology. No C.
        .target(name: "ChangeBus", dependencies: ["Crypto"]),
        // Child processes without a shell (posix_spawn, own process group): git, handlers, facts.
        .target(name: "Subprocess", dependencies: ["CProcess"]),
        .target(name: "Publisher", dependencies: ["ChangeBus", "AMQP", "Crypto", "Subprocess"]),
        .target(name: "Agent", dependencies: ["ChangeBus", "AMQP", "Crypto", "Subprocess"]),
        .executableTarget(name: "changebus", dependencies: ["AMQP", "ChangeBus", "Publisher", "Agent"]),
        // Benchmark rows for bench/publish and bench/agent (built in release mode by those scripts).
        .executableTarget(name: "changebus-bench", dependencies: ["AMQP", "Agent", "ChangeBus", "Crypto", "Publisher"], path: "bench/swift"),

        // Shared by the integration tests: the real broker, child processes.
        .target(name: "TestSupport", dependencies: ["AMQP"], path: "Tests/TestSupport"),
        .testTarget(name: "AMQPTests", dependencies: ["AMQP", "TestSupport"]),
        .testTarget(name: "ChangeBusTests", dependencies: ["ChangeBus", "Crypto"]),
        .testTarget(name: "PublisherTests", dependencies: ["Publisher", "ChangeBus", "AMQP", "Crypto", "TestSupport"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "ChangeBus", "AMQP", "Crypto", "Publisher", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
