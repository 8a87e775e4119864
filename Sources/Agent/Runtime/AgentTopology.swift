import AMQP
import ChangeBus

/// Declares what one agent needs on the broker and converges its own bindings: routing
/// keys removed from the config are unbound, so a host stops receiving what it no longer
/// subscribes to.
struct AgentTopology {
    let config: AgentConfig

    var hostQueue: String { Topology.hostQueue(config.hostID) }

    /// The host queue's arguments: dead-lettering to `changebus.dead`, and for quorum
    /// queues a delivery limit so that a poison message cannot loop forever.
    var queueArguments: QueueArguments {
        QueueArguments(
            queueType: config.queueType, deadLetterExchange: Topology.deadExchange,
            deliveryLimit: config.queueType == "quorum" ? Int64(config.deliveryLimit) : nil)
    }

    /// Declares the exchanges and the dead-letter queue.
    func declareExchanges(on channel: Channel) throws(AMQPError) {
        for exchange in [Topology.changesExchange, Topology.resultsExchange, Topology.controlExchange, Topology.presenceExchange] {
            try channel.declareExchange(exchange, type: .topic, durable: true)
        }
        try channel.declareExchange(Topology.deadExchange, type: .fanout, durable: true)
        try channel.declareQueue(Topology.deadQueue, durable: true)
        try channel.bindQueue(Topology.deadQueue, exchange: Topology.deadExchange, routingKey: "")
    }

    /// Declares the host queue and converges its bindings from `previous` (what the state
    /// file says was bound) to the config's. Returns the queue name.
    func declareHostQueue(on channel: Channel, previous: [String]) throws(AMQPError) -> String {
        try channel.declareQueue(hostQueue, durable: true, arguments: queueArguments)
        let desired = config.subscriptions.map(\.pattern)
        for key in previous where !desired.contains(key) {
            try channel.unbindQueue(hostQueue, exchange: Topology.changesExchange, routingKey: key)
        }
        for key in desired {
            try channel.bindQueue(hostQueue, exchange: Topology.changesExchange, routingKey: key)
        }
        return hostQueue
    }

    /// A private, temporary queue with the host's bindings, for `--dry-run`: it receives
    /// copies of new events and leaves the real host queue alone.
    func declareDryRunQueue(on channel: Channel) throws(AMQPError) -> String {
        let queue = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        for key in config.subscriptions.map(\.pattern) {
            try channel.bindQueue(queue, exchange: Topology.changesExchange, routingKey: key)
        }
        return queue
    }

    /// A private queue for control messages to this host (`<host-id>`) and to everyone (`all`).
    func declareControlQueue(on channel: Channel) throws(AMQPError) -> String {
        let queue = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try channel.bindQueue(queue, exchange: Topology.controlExchange, routingKey: config.hostID)
        try channel.bindQueue(queue, exchange: Topology.controlExchange, routingKey: Topology.controlAll)
        return queue
    }
}
