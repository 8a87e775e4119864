import CRabbitMQ
import CShims
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Owns the C memory behind field tables and byte strings passed into one rabbitmq-c
/// call. rabbitmq-c copies (serialises) everything it is given before the call returns,
/// so the arena is freed right after the call; keep it alive with `withExtendedLifetime`.
final class RabbitArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for pointer in allocations { free(pointer) }
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        // Copies straight from the string's UTF-8 storage (no intermediate Array).
        var string = string
        return string.withUTF8 { bytes($0) }
    }

    func bytes(_ data: some Collection<UInt8>) -> amqp_bytes_t {
        if data.isEmpty { return amqp_empty_bytes }
        let pointer = malloc(data.count)!
        allocations.append(pointer)
        let buffer = UnsafeMutableRawBufferPointer(start: pointer, count: data.count)
        _ = buffer.copyBytes(from: data)
        return amqp_bytes_t(len: data.count, bytes: pointer)
    }

    /// Bytes that rabbitmq-c reads during one call without owning them; valid only inside
    /// the `withUnsafeBytes` / `withUTF8` closure that lent them.
    static func borrowed(_ buffer: UnsafeRawBufferPointer) -> amqp_bytes_t {
        amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }

    static func borrowed(_ buffer: UnsafeBufferPointer<UInt8>) -> amqp_bytes_t {
        borrowed(UnsafeRawBufferPointer(buffer))
    }

    func table(_ table: FieldTable) -> amqp_table_t {
        if table.isEmpty { return amqp_empty_table }
        let entries = allocate(amqp_table_entry_t.self, count: table.count)
        // Sorted so that the wire form is stable (tests compare it; brokers do not care).
        for (index, (key, value)) in table.sorted(by: { $0.key < $1.key }).enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: field(value))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    private func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let pointer = malloc(MemoryLayout<T>.stride * max(count, 1))!
        allocations.append(pointer)
        return pointer.bindMemory(to: T.self, capacity: count)
    }

    private func field(_ value: FieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let s):
            field.kind = kind(AMQP_FIELD_KIND_UTF8)
            field.value.bytes = bytes(s)
        case .int(let n):
            field.kind = kind(AMQP_FIELD_KIND_I64)
            field.value.i64 = n
        case .bool(let b):
            field.kind = kind(AMQP_FIELD_KIND_BOOLEAN)
            field.value.boolean = b ? 1 : 0
        case .double(let d):
            field.kind = kind(AMQP_FIELD_KIND_F64)
            field.value.f64 = d
        case .bytes(let b):
            field.kind = kind(AMQP_FIELD_KIND_BYTES)
            field.value.bytes = bytes(b)
        case .timestamp(let date):
            field.kind = kind(AMQP_FIELD_KIND_TIMESTAMP)
            field.value.u64 = UInt64(max(0, date.timeIntervalSince1970))
        case .table(let t):
            field.kind = kind(AMQP_FIELD_KIND_TABLE)
            field.value.table = table(t)
        case .array(let items):
            field.kind = kind(AMQP_FIELD_KIND_ARRAY)
            let entries = allocate(amqp_field_value_t.self, count: items.count)
            for (index, item) in items.enumerated() { entries[index] = self.field(item) }
            field.value.array = amqp_array_t(num_entries: Int32(items.count), entries: entries)
        case .void:
            field.kind = kind(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    private func kind(_ k: amqp_field_value_kind_t) -> UInt8 { UInt8(k.rawValue) }
}

/// Conversions from rabbitmq-c's decoded structures into Swift values. The C memory
/// belongs to the connection's pools; everything is copied out before they are recycled.
enum RabbitDecode {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    static func data(_ bytes: amqp_bytes_t) -> Data {
        guard bytes.len > 0, let base = bytes.bytes else { return Data() }
        return Data(bytes: base, count: bytes.len)
    }

    /// Deeper nesting is decoded as `.void`: hostile headers must not overflow the stack.
    static let maxDepth = 32

    static func table(_ table: amqp_table_t, depth: Int = 0) -> FieldTable {
        var result: FieldTable = [:]
        guard table.num_entries > 0, let entries = table.entries else { return result }
        for index in 0..<Int(table.num_entries) {
            result[string(entries[index].key)] = field(entries[index].value, depth: depth)
        }
        return result
    }

    static func field(_ field: amqp_field_value_t, depth: Int = 0) -> FieldValue {
        guard depth < maxDepth else { return .void }
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue: return .string(string(field.value.bytes))
        case AMQP_FIELD_KIND_BYTES.rawValue: return .bytes(Array(data(field.value.bytes)))
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: return .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: return .int(Int64(field.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: return .int(Int64(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: return .int(Int64(field.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: return .int(Int64(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: return .int(Int64(field.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: return .int(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: return .int(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: return .int(Int64(truncatingIfNeeded: field.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: return .double(Double(field.value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: return .double(field.value.f64)
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue:
            return .timestamp(Date(timeIntervalSince1970: Double(field.value.u64)))
        case AMQP_FIELD_KIND_TABLE.rawValue: return .table(table(field.value.table, depth: depth + 1))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            let array = field.value.array
            guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { self.field(entries[$0], depth: depth + 1) })
        default: return .void
        }
    }

    static func properties(_ p: amqp_basic_properties_t) -> MessageProperties {
        func has(_ flag: amqp_flags_t) -> Bool { p._flags & flag != 0 }
        return MessageProperties(
            contentType: has(cb_flag_content_type) ? string(p.content_type) : nil,
            persistent: has(cb_flag_delivery_mode) && p.delivery_mode == 2,
            messageID: has(cb_flag_message_id) ? string(p.message_id) : nil,
            timestamp: has(cb_flag_timestamp) ? Date(timeIntervalSince1970: Double(p.timestamp)) : nil,
            correlationID: has(cb_flag_correlation_id) ? string(p.correlation_id) : nil,
            replyTo: has(cb_flag_reply_to) ? string(p.reply_to) : nil,
            expiration: has(cb_flag_expiration) ? string(p.expiration) : nil,
            type: has(cb_flag_type) ? string(p.type) : nil,
            appID: has(cb_flag_app_id) ? string(p.app_id) : nil,
            headers: has(cb_flag_headers) ? table(p.headers) : [:]
        )
    }
}

extension RabbitArena {
    func properties(_ m: MessageProperties) -> amqp_basic_properties_t {
        var p = amqp_basic_properties_t()
        var flags: amqp_flags_t = cb_flag_delivery_mode
        p.delivery_mode = m.persistent ? 2 : 1
        if let v = m.contentType { flags |= cb_flag_content_type; p.content_type = bytes(v) }
        if let v = m.messageID { flags |= cb_flag_message_id; p.message_id = bytes(v) }
        if let v = m.timestamp { flags |= cb_flag_timestamp; p.timestamp = UInt64(max(0, v.timeIntervalSince1970)) }
        if let v = m.correlationID { flags |= cb_flag_correlation_id; p.correlation_id = bytes(v) }
        if let v = m.replyTo { flags |= cb_flag_reply_to; p.reply_to = bytes(v) }
        if let v = m.expiration { flags |= cb_flag_expiration; p.expiration = bytes(v) }
        if let v = m.type { flags |= cb_flag_type; p.type = bytes(v) }
        if let v = m.appID { flags |= cb_flag_app_id; p.app_id = bytes(v) }
        if !m.headers.isEmpty { flags |= cb_flag_headers; p.headers = table(m.headers) }
        p._flags = flags
        return p
    }
}
