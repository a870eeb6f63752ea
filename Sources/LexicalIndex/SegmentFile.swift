import Foundation

/// The on-disk form of a segment (`<name>.seg`), written once and never modified:
///
///     "PBLXSEG1"
///     docCount, then per document: key, zigzag(day), hasCode, title/abstract/author lengths, categories
///     termCount, then the term dictionary in byte order: term, df, offset of its postings block
///     postings section length, then per term: df doc-number deltas, df tf1, (text terms) df tf2,
///         df position-byte lengths, the position bytes (delta varints per posting: exactly tf1 + tf2 of them for
///         text terms, tf1 for author terms, none for categories, which is how readers skip to a posting's positions)
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
            let categories = segment.categories(doc)
            VarInt.append(categories.count, to: &out)
            for c in categories { out.appendString(c) }
        }
        let sortedTerms = segment.terms.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let p = segment.postings
        let positionBytes = p.positions.bytes
        var postings: [UInt8] = []
        var dictionary: [UInt8] = []
        for term in sortedTerms {
            let list = segment.terms[term]!
            dictionary.appendString(term)
            VarInt.append(list.count, to: &dictionary)
            VarInt.append(postings.count, to: &dictionary)
            let range = list.start..<(list.start + list.count)
            var last: UInt32 = 0
            for g in range {
                VarInt.append(UInt64(p.docs[g] - last), to: &postings)
                last = p.docs[g]
            }
            for g in range { VarInt.append(UInt64(p.titleFrequency(g)), to: &postings) }
            if list.kind == .text {
                for g in range { VarInt.append(UInt64(p.abstractFrequency(g)), to: &postings) }
            }
            var offset = list.positionsStart
            let end = list.positionsStart + list.positionsLength
            for g in range {
                let next = Postings.skipVarints(
                    p.positionCount(list, posting: g), in: positionBytes, from: offset, end: end)
                VarInt.append(next - offset, to: &postings)
                offset = next
            }
            postings.append(contentsOf: UnsafeRawBufferPointer(rebasing: positionBytes[list.positionsStart..<end]))
        }
        VarInt.append(sortedTerms.count, to: &out)
        out.append(contentsOf: dictionary)
        VarInt.append(postings.count, to: &out)
        out.append(contentsOf: postings)
        appendChecksum(&out)
        return out
    }

    /// Opens the segment file at `url`: the file is memory-mapped, checked, and its postings decoded into flat
    /// arrays, while positions stay in the mapping (read on demand by phrase and field checks). The pages read
    /// while opening are released as decoding passes them, so opening never holds the whole file in memory.
    static func open(_ url: URL, name: String) throws -> Segment {
        let file = try ByteStore(mapping: url.path)
        let segment = try decode(file, name: name)
        file.dropResidentPages(0..<file.bytes.count)
        return segment
    }

    /// Decodes a segment held in memory (e.g. to check an encoding round trip).
    static func decode(_ bytes: [UInt8], name: String) throws -> Segment {
        try decode(ByteStore(copying: bytes), name: name)
    }

    /// Distance between two releases of already-read mapped pages while opening.
    private static let releaseStride = 32 << 20

    private static func decode(_ file: ByteStore, name: String) throws -> Segment {
        let bytes = file.bytes
        try verifyChecksum(bytes, magic: magic, releasing: file)
        var r = ByteReader(bytes, offset: magic.count)
        let docCount = try r.int()
        var keys: [String] = [], days: [Int32] = [], hasCode: [Bool] = [], categories = CategorySets()
        var titleLengths: [UInt32] = [], abstractLengths: [UInt32] = [], authorLengths: [UInt32] = []
        guard docCount <= bytes.count else { throw LexicalIndexError.corrupt("document count") }
        keys.reserveCapacity(docCount)
        var cats: [String] = []
        for _ in 0..<docCount {
            keys.append(try r.string())
            days.append(Int32(truncatingIfNeeded: VarInt.unzigzag(try r.varint())))
            hasCode.append(try r.take(1).first! != 0)
            titleLengths.append(UInt32(truncatingIfNeeded: try r.varint()))
            abstractLengths.append(UInt32(truncatingIfNeeded: try r.varint()))
            authorLengths.append(UInt32(truncatingIfNeeded: try r.varint()))
            let n = try r.int()
            cats.removeAll(keepingCapacity: true)
            for _ in 0..<n { cats.append(try r.string()) }
            categories.append(cats)
        }
        let termCount = try r.int()
        guard termCount <= bytes.count else { throw LexicalIndexError.corrupt("term count") }
        var entries: [(term: String, df: Int, offset: Int)] = []
        entries.reserveCapacity(termCount)
        var total = 0
        for _ in 0..<termCount {
            let entry = (term: try r.string(), df: try r.int(), offset: try r.int())
            guard entry.df > 0, entry.df <= docCount else { throw LexicalIndexError.corrupt("document frequency") }
            total += entry.df
            guard total <= bytes.count else { throw LexicalIndexError.corrupt("posting count") }
            entries.append(entry)
        }
        let postingsLength = try r.int()
        let postingsStart = r.offset
        let postingsEnd = postingsStart + postingsLength
        // Every posting takes at least two bytes (document delta and a frequency).
        guard postingsEnd <= bytes.count - 4, total * 2 <= postingsLength else {
            throw LexicalIndexError.corrupt("postings length")
        }
        file.dropResidentPages(0..<postingsStart)

        let (docs, tf1, tf2) = Postings.allocate(count: total)
        var built = false
        defer {
            if !built {
                docs.deallocate()
                tf1.deallocate()
                tf2.deallocate()
            }
        }
        var tf1Overflow: [Int: UInt16] = [:], tf2Overflow: [Int: UInt16] = [:]
        var blockStarts: [Int] = []
        blockStarts.reserveCapacity(total / impactBlockSize + termCount)
        var terms: [String: PostingList] = [:]
        terms.reserveCapacity(termCount)
        var g = 0
        var released = postingsStart
        var counts: [Int] = [], lengths: [Int] = []  // per posting of the current term: positions, position bytes
        for entry in entries {
            var p = ByteReader(
                UnsafeRawBufferPointer(rebasing: bytes[0..<postingsEnd]), offset: postingsStart + entry.offset)
            let df = entry.df
            guard let kind = TermKind(key: entry.term) else { throw LexicalIndexError.corrupt("term space") }
            let start = g
            var last: UInt32 = 0
            for i in 0..<df {
                last &+= UInt32(truncatingIfNeeded: try p.varint())
                guard last < docCount, i == 0 || last > docs[start + i - 1] else {
                    throw LexicalIndexError.corrupt("document number")
                }
                docs[start + i] = last
            }
            counts.removeAll(keepingCapacity: true)
            lengths.removeAll(keepingCapacity: true)
            for i in 0..<df {
                let tf = UInt16(truncatingIfNeeded: try p.varint())
                Postings.store(tf, at: start + i, in: tf1, overflow: &tf1Overflow)
                counts.append(kind == .category ? 0 : Int(tf))
            }
            if kind == .text {
                for i in 0..<df {
                    let tf = UInt16(truncatingIfNeeded: try p.varint())
                    Postings.store(tf, at: start + i, in: tf2, overflow: &tf2Overflow)
                    counts[i] += Int(tf)
                }
            }
            var positionsLength = 0
            for _ in 0..<df {
                let length = try p.int()
                positionsLength += length
                guard positionsLength <= postingsLength else { throw LexicalIndexError.corrupt("position lengths") }
                lengths.append(length)
            }
            let positionsStart = p.offset
            try p.skip(positionsLength)
            // Readers find a posting's positions by counting varints from its block's start, so each posting must
            // hold exactly as many complete varints as its frequencies say; one pass over the bytes checks it.
            let firstBlock = blockStarts.count
            var offset = positionsStart
            for i in 0..<df {
                if i & (impactBlockSize - 1) == 0 { blockStarts.append(offset) }
                let end = offset + lengths[i]
                var varints = 0
                for o in offset..<end where bytes[o] < 0x80 { varints += 1 }
                guard varints == counts[i], lengths[i] == 0 || bytes[end - 1] < 0x80 else {
                    throw LexicalIndexError.corrupt(
                        "positions of \(entry.term.dropFirst()) do not match its frequencies")
                }
                offset = end
            }
            terms[entry.term] = PostingList(
                start: start, count: df, kind: kind, positionsStart: positionsStart,
                positionsLength: positionsLength, firstBlock: firstBlock)
            g += df
            if p.offset - released >= releaseStride {
                file.dropResidentPages(released..<p.offset)
                released = p.offset
            }
        }
        built = true
        let postings = Postings(
            docs: docs, tf1: tf1, tf2: tf2, tf1Overflow: tf1Overflow, tf2Overflow: tf2Overflow,
            positionBlockStarts: blockStarts, positions: file)
        return Segment(
            name: name, keys: keys, days: days, hasCode: hasCode, categorySets: categories.sets,
            categorySetOfDocument: categories.setOfDocument, titleLengths: titleLengths,
            abstractLengths: abstractLengths, authorLengths: authorLengths, terms: terms, postings: postings)
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
        try bytes.withUnsafeBytes { raw in
            try verifyChecksum(raw, magic: deletesMagic, releasing: nil)
            var r = ByteReader(raw, offset: deletesMagic.count)
            let n = try r.int()
            var doc = 0
            for _ in 0..<n {
                doc += try r.int()
                guard doc < segment.documentCount else { throw LexicalIndexError.corrupt("deleted document number") }
                segment.markDeleted(doc)
            }
        }
    }

    static func fnv1a(_ bytes: UnsafeRawBufferPointer, continuing seed: UInt32 = 2_166_136_261) -> UInt32 {
        var h = seed
        for b in bytes { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }

    private static func appendChecksum(_ out: inout [UInt8]) {
        let h = out.withUnsafeBytes { fnv1a($0) }
        out.append(contentsOf: [UInt8(h & 0xFF), UInt8((h >> 8) & 0xFF), UInt8((h >> 16) & 0xFF), UInt8(h >> 24)])
    }

    /// Checks magic and checksum; with a mapped `file`, pages are released as the hash passes them.
    private static func verifyChecksum(
        _ bytes: UnsafeRawBufferPointer, magic: [UInt8], releasing file: ByteStore?
    ) throws {
        guard bytes.count >= magic.count + 4, Array(bytes[0..<magic.count]) == magic else {
            throw LexicalIndexError.corrupt("bad magic")
        }
        let n = bytes.count
        let stored =
            UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8 | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24
        var h: UInt32 = 2_166_136_261
        var offset = 0
        while offset < n - 4 {
            let end = min(n - 4, offset + releaseStride)
            h = fnv1a(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), continuing: h)
            file?.dropResidentPages(offset..<end)
            offset = end
        }
        guard stored == h else { throw LexicalIndexError.corrupt("checksum mismatch") }
    }
}
