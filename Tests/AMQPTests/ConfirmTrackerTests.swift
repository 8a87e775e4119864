@testable import AMQP
import Testing

@Suite struct ConfirmTrackerTests {
    @Test func multipleAckSettlesEverythingUpToTheTag() {
        var tracker = ConfirmTracker()
        for _ in 1...5 { _ = tracker.published(mandatoryMessageID: nil) }
        tracker.settle(tag: 3, multiple: true, ack: true)
        #expect(tracker.inFlight == 2)
        #expect(tracker.isSettled(3) && !tracker.isSettled(4))
        tracker.settle(tag: 5, multiple: false, ack: false)
        tracker.settle(tag: 4, multiple: false, ack: true)
        #expect(tracker.inFlight == 0)
        let failures = tracker.takeFailures()
        #expect(failures.count == 1 && failures[0].0 == 5 && failures[0].1 == .nacked)
    }

    @Test func returnIsPinnedToItsMessageByID() {
        var tracker = ConfirmTracker()
        _ = tracker.published(mandatoryMessageID: "a")
        _ = tracker.published(mandatoryMessageID: "b")
        tracker.returned(replyCode: 312, replyText: "NO_ROUTE", messageID: "a")
        tracker.settle(tag: 2, multiple: true, ack: true)
        #expect(tracker.take(1) == .returned(replyCode: 312, replyText: "NO_ROUTE"))
        #expect(tracker.take(2) == .acked)
    }

    @Test func longPipelineSettlesAcrossCompactionInAnyOrder() {
        var tracker = ConfirmTracker()
        for _ in 1...5_000 { _ = tracker.published(mandatoryMessageID: nil) }
        tracker.settle(tag: 3_000, multiple: true, ack: true)
        // Out of order and past the dropped prefix: 3,002 before 3,001.
        tracker.settle(tag: 3_002, multiple: false, ack: false)
        #expect(tracker.isSettled(1) && tracker.isSettled(3_000) && tracker.isSettled(3_002))
        #expect(!tracker.isSettled(3_001) && tracker.inFlight == 1_999)
        tracker.settle(tag: 3_001, multiple: false, ack: true)
        // A repeated ack and a tag never handed out change nothing.
        tracker.settle(tag: 1_500, multiple: false, ack: false)
        tracker.settle(tag: 9_999, multiple: false, ack: true)
        #expect(tracker.inFlight == 1_998)
        for _ in 1...10 { _ = tracker.published(mandatoryMessageID: nil) }
        tracker.settle(tag: 5_010, multiple: true, ack: true)
        #expect(tracker.inFlight == 0 && tracker.isSettled(5_010) && !tracker.isSettled(5_011))
        let failures = tracker.takeFailures()
        #expect(failures.count == 1 && failures[0].0 == 3_002 && failures[0].1 == .nacked)
    }
}
