/// Bookkeeping for publisher confirms on one channel: which sequence numbers are still
/// in flight, and which were nacked or returned. A pure value; the channel feeds it the
/// broker's `basic.ack`, `basic.nack` and `basic.return` frames.
///
/// Settling is amortised O(1) without hashing: sequence numbers are handed out in order,
/// so the unsettled ones are flags in an array indexed from the low-water mark, and a
/// `multiple` ack walks forward from that mark and never revisits a number. (A
/// `Set<UInt64>` here cost a hash insert per publish and a hash remove per ack: the
/// largest Swift-side cost of a pipelined publish in the benchmark profile.)
struct ConfirmTracker: Sendable {
    /// What became of one published message.
    enum Outcome: Sendable, Equatable {
        case acked
        case nacked
        case returned(replyCode: Int, replyText: String)
    }

    /// The sequence number the next publish gets (the broker counts from 1).
    private(set) var nextSequence: UInt64 = 1
    /// Every number below this is settled.
    private var lowWater: UInt64 = 1
    /// `pending[pendingStart + i]` is true while message `lowWater + i` is unsettled; the
    /// settled prefix before `pendingStart` is dropped in batches.
    private var pending: [Bool] = []
    private var pendingStart = 0
    private(set) var inFlight = 0
    /// Outcomes other than a plain ack, kept until the caller collects them.
    private var failures: [UInt64: Outcome] = [:]
    /// Message ids of mandatory publishes, to match a `basic.return` to its sequence.
    private var mandatoryIDs: [String: UInt64] = [:]
    private var mandatorySequences: [UInt64: String] = [:]
    /// A return that arrived before its ack (the broker sends return, then ack).
    private var pendingReturn: (replyCode: Int, replyText: String, sequence: UInt64?)?

    mutating func published(mandatoryMessageID: String?) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        pending.append(true)
        inFlight += 1
        if let id = mandatoryMessageID {
            mandatoryIDs[id] = sequence
            mandatorySequences[sequence] = id
        }
        return sequence
    }

    mutating func returned(replyCode: Int, replyText: String, messageID: String?) {
        let sequence = messageID.flatMap { mandatoryIDs[$0] }
        pendingReturn = (replyCode, replyText, sequence)
    }

    mutating func settle(tag: UInt64, multiple: Bool, ack: Bool) {
        if let pending = pendingReturn {
            // The return precedes the ack of its own message; without a message id to
            // match, the ack's tag names it.
            let sequence = pending.sequence ?? tag
            failures[sequence] = .returned(replyCode: pending.replyCode, replyText: pending.replyText)
            pendingReturn = nil
        }
        let settledOutcome: Outcome = ack ? .acked : .nacked
        // Tags the broker never handed out (beyond the last publish) settle nothing.
        let last = min(tag, nextSequence - 1)
        if multiple {
            var s = lowWater
            while s <= last {
                settleOne(s, settledOutcome)
                s += 1
            }
        } else if tag >= lowWater && tag <= last {
            settleOne(tag, settledOutcome)
        }
        while lowWater < nextSequence && !pending[pendingStart] {
            lowWater += 1
            pendingStart += 1
        }
        // Drop the settled prefix once it is the larger half, so compaction stays O(1)
        // per message and the array never grows past about twice the messages in flight.
        if pendingStart >= 1024 && pendingStart * 2 >= pending.count {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
    }

    private mutating func settleOne(_ sequence: UInt64, _ outcome: Outcome) {
        let index = pendingStart + Int(sequence - lowWater)
        guard pending[index] else { return }
        pending[index] = false
        inFlight -= 1
        if !mandatorySequences.isEmpty, let id = mandatorySequences.removeValue(forKey: sequence) {
            mandatoryIDs[id] = nil
        }
        if outcome == .nacked { failures[sequence] = .nacked }
    }

    /// True when `sequence` has been acked or nacked.
    func isSettled(_ sequence: UInt64) -> Bool {
        guard sequence < nextSequence else { return false }
        return sequence < lowWater || !pending[pendingStart + Int(sequence - lowWater)]
    }

    /// The outcome of a settled message; removes a recorded failure.
    mutating func take(_ sequence: UInt64) -> Outcome {
        return failures.removeValue(forKey: sequence) ?? .acked
    }

    /// Every recorded failure, oldest first; clears them.
    mutating func takeFailures() -> [(UInt64, Outcome)] {
        let all = failures.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        failures.removeAll()
        return all
    }
}
