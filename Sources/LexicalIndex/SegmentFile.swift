import Foundation

/// The on-disk form of a segment (`<name>.seg`), written once and never modified:
///
///     "PBLXSEG1"
///     docCount, then per document: key, zigzag(day), hasCode, title/abstract/author lengths, categories
///     termCount, then the term dictionary in byte order: term, df, offset of its postings block
///     postings section length, then per term: df doc-number deltas, df tf1, (text terms) df tf2,
///         df position-byte lengths, the position bytes (delta varints per posting)
///     FNV-1a 32 checksum of everything before it (4 bytes, little endian)
///
/// All integers are LEB128 varints unless stated. Tombstones live in separate `<name>.<generation>.del` files
/// (count, then doc-number deltas, then checksum) so that deleting never rewrites a segment.
enum SegmentFile {
    static let magic = Array("PBLXSEG1".utf8)
    static let deletesMagic = Array("PBLXDEL1".utf8)

    static func encode(_ segment: Segment) -> [UInt8] {
        var out = magic
        VarInt.append(segment.documentCount, to: &out)
        for doc in 0..<segment.documentCount {
            out.appendString(segment.keys[doc])
            VarInt.append(VarInt.zigzag(Int64(segment.days[doc])), to: &out)
            out.append(segment.hasCode[doc] ? 1 : 0)
            VarInt.append(Int(segment.titleLengths[doc]), to: &out)
            VarInt.append(Int(segment.abstractLengths[doc]), to: &out)
            VarInt.append(Int(segment.authorLengths[doc]), to: &out)
            VarInt.append(segment.categories[doc].count, to: &out)
            for c in segment.categories[doc] { out.appendString(c) }
        }
        let sortedTerms = segment.terms.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var postings: [UInt8] = []
        var dictionary: [UInt8] = []
        for term in sortedTerms {
            let list = segment.terms[term]!
            dictionary.appendString(term)
            VarInt.append(list.count, to: &dictionary)
            VarInt.append(postings.count, to: &dictionary)
            var last: UInt32 = 0
            for d in list.docs { VarInt.append(UInt64(d - last), to: &postings); last = d }
            for t in list.tf1 { VarInt.append(UInt64(t), to: &postings) }
            for t in list.tf2 { VarInt.append(UInt64(t), to: &postings) }
            for i in 0..<list.count { VarInt.append(UInt64(list.posStarts[i + 1] - list.posStarts[i]), to: &postings) }
            postings.append(contentsOf: list.positions)
        }
        VarInt.append(sortedTerms.count, to: &out)
        out.append(contentsOf: dictionary)
        VarInt.append(postings.count, to: &out)
        out.append(contentsOf: postings)
        appendChecksum(&out)
        return out
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> Segment {
        try verifyChecksum(bytes, magic: magic)
        var r = ByteReader(bytes, offset: magic.count)
        let docCount = try r.int()
        var keys: [String] = [], days: [Int32] = [], hasCode: [Bool] = [], categories: [[String]] = []
        var titleLengths: [UInt32] = [], abstractLengths: [UInt32] = [], authorLengths: [UInt32] = []
        keys.reserveCapacity(docCount)
        for _ in 0..<docCount {
            keys.append(try r.string())
            days.append(Int32(truncatingIfNeeded: VarInt.unzigzag(try r.varint())))
            hasCode.append(try r.take(1).first! != 0)
            titleLengths.append(UInt32(truncatingIfNeeded: try r.varint()))
            abstractLengths.append(UInt32(truncatingIfNeeded: try r.varint()))
            authorLengths.append(UInt32(truncatingIfNeeded: try r.varint()))
            let n = try r.int()
            var cats: [String] = []
            for _ in 0..<n { cats.append(try r.string()) }
            categories.append(cats)
        }
        let termCount = try r.int()
        var entries: [(term: String, df: Int, offset: Int)] = []
        entries.reserveCapacity(termCount)
        for _ in 0..<termCount { entries.append((try r.string(), try r.int(), try r.int())) }
        let postingsLength = try r.int()
        let postingsStart = r.offset
        guard postingsStart + postingsLength <= bytes.count - 4 else { throw LexicalIndexError.corrupt("postings length") }
        var terms: [String: PostingList] = [:]
        terms.reserveCapacity(termCount)
        for entry in entries {
            var p = ByteReader(bytes, offset: postingsStart + entry.offset)
            let df = entry.df
            guard df > 0, df <= docCount else { throw LexicalIndexError.corrupt("document frequency") }
            var docs = [UInt32](repeating: 0, count: df)
            var last: UInt32 = 0
            for i in 0..<df {
                last &+= UInt32(truncatingIfNeeded: try p.varint())
                guard last < docCount else { throw LexicalIndexError.corrupt("document number") }
                docs[i] = last
            }
            var tf1 = [UInt16](repeating: 0, count: df)
            for i in 0..<df { tf1[i] = UInt16(truncatingIfNeeded: try p.varint()) }
            var tf2: [UInt16] = []
            if entry.term.hasPrefix(TermSpace.text) {
                tf2 = [UInt16](repeating: 0, count: df)
                for i in 0..<df { tf2[i] = UInt16(truncatingIfNeeded: try p.varint()) }
            }
            var posStarts = [UInt32](repeating: 0, count: df + 1)
            for i in 0..<df { posStarts[i + 1] = posStarts[i] + UInt32(truncatingIfNeeded: try p.varint()) }
            let positions = Array(try p.take(Int(posStarts[df])))
            terms[entry.term] = PostingList(docs: docs, tf1: tf1, tf2: tf2, posStarts: posStarts, positions: positions)
        }
        return Segment(name: name, keys: keys, days: days, hasCode: hasCode, categories: categories,
                       titleLengths: titleLengths, abstractLengths: abstractLengths, authorLengths: authorLengths,
                       terms: terms)
    }

    static func encodeDeletes(_ segment: Segment) -> [UInt8] {
        var out = deletesMagic
        VarInt.append(segment.deletedCount, to: &out)
        var last = 0
        for doc in 0..<segment.documentCount where segment.deleted[doc] {
            VarInt.append(doc - last, to: &out)
            last = doc
        }
        appendChecksum(&out)
        return out
    }

    static func applyDeletes(_ bytes: [UInt8], to segment: Segment) throws {
        try verifyChecksum(bytes, magic: deletesMagic)
        var r = ByteReader(bytes, offset: deletesMagic.count)
        let n = try r.int()
        var doc = 0
        for _ in 0..<n {
            doc += try r.int()
            guard doc < segment.documentCount else { throw LexicalIndexError.corrupt("deleted document number") }
            segment.markDeleted(doc)
        }
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for b in bytes { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }

    private static func appendChecksum(_ out: inout [UInt8]) {
        let h = fnv1a(out[...])
        out.append(contentsOf: [UInt8(h & 0xFF), UInt8((h >> 8) & 0xFF), UInt8((h >> 16) & 0xFF), UInt8(h >> 24)])
    }

    private static func verifyChecksum(_ bytes: [UInt8], magic: [UInt8]) throws {
        guard bytes.count >= magic.count + 4, Array(bytes[0..<magic.count]) == magic else {
            throw LexicalIndexError.corrupt("bad magic")
        }
        let n = bytes.count
        let stored = UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8 | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24
        guard stored == fnv1a(bytes[0..<(n - 4)]) else { throw LexicalIndexError.corrupt("checksum mismatch") }
    }
}
