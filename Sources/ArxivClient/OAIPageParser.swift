import Foundation
import PaperModel

/// Parses one OAI-PMH `ListRecords` answer (arXiv or arXivRaw metadata) with the streaming
/// `XMLStreamReader`: events in, records out, no document tree.
///
/// The whole page is parsed before anything is returned, so a truncated or non-OAI body is one
/// `ArxivClientError.malformedResponse` and never half a page. A record that is well-formed XML but cannot
/// be mapped (no id, no title, an invalid version) is skipped and reported with its identifier.
public enum OAIPageParser {
    public static func parse(_ data: Data) throws -> OAIPage {
        let delegate = OAIParserDelegate()
        do {
            try XMLStreamReader.parse(data, handler: delegate)
        } catch let error as XMLSyntaxError {
            throw ArxivClientError.malformedResponse("OAI-PMH page: \(error)")
        }
        if let failure = delegate.failure { throw ArxivClientError.malformedResponse("OAI-PMH page: \(failure)") }
        return try delegate.finish()
    }
}

final class OAIParserDelegate: SAXHandler {
    enum Place { case outside, header, metadata }

    var failure: String?
    var shouldStop = false
    private var depth = 0
    private var sawRoot = false
    /// The root element ended: the document is complete.
    private var rootClosed = false
    private var sawListRecords = false
    private var errors: [(code: String, message: String)] = []
    private var errorCode: String?
    private var responseDate: String?
    private var token: OAIResumptionToken?
    private var tokenAttributes: [String: String] = [:]

    private var records: [OAIRecord] = []
    private var deletions: [OAIDeletion] = []
    private var skipped: [SkippedRecord] = []

    // The record being read.
    private var place = Place.outside
    private var inRecord = false
    private var deleted = false
    private var identifier = ""
    private var datestamp = ""
    private var setSpecs: [String] = []
    private var format: OAIMetadataPrefix?
    private var metadataRootDepth = 0
    private var fields: [String: String] = [:]
    private var authors: [String] = []
    private var keyname = "", forenames = "", suffix = ""
    private var versions: [(label: String, date: String, size: String)] = []
    private var versionLabel: String?
    private var versionDate = "", versionSize = ""

    private var text = ""
    private lazy var rfc2822 = ArxivDates.makeRFC2822()

    func finish() throws -> OAIPage {
        guard sawRoot else { throw ArxivClientError.malformedResponse("not an OAI-PMH answer (no <OAI-PMH> root)") }
        guard rootClosed else { throw ArxivClientError.malformedResponse("truncated OAI-PMH answer (no </OAI-PMH>)") }
        if let first = errors.first {
            // noRecordsMatch: the list is empty, which is an empty final page.
            if errors.allSatisfy({ $0.code == "noRecordsMatch" }) { return OAIPage(responseDate: responseDate) }
            let error = errors.first { $0.code != "noRecordsMatch" } ?? first
            throw OAIError(code: error.code, message: error.message)
        }
        guard sawListRecords else { throw ArxivClientError.malformedResponse("OAI-PMH answer without <ListRecords>") }
        return OAIPage(
            records: records, deletions: deletions, skipped: skipped, resumptionToken: token,
            responseDate: responseDate)
    }

    func startElement(_ elementName: String, attributes attributeDict: [String: String]) {
        depth += 1
        text = ""
        let name = elementName
        if depth == 1 {
            if name == "OAI-PMH" {
                sawRoot = true
            } else {
                failure = "root element <\(elementName)> is not <OAI-PMH>"
                shouldStop = true
            }
            return
        }
        switch place {
        case .metadata:
            if depth == metadataRootDepth {
                switch name {
                case "arXiv": format = .arXiv
                case "arXivRaw": format = .arXivRaw
                default: format = nil
                }
            } else if format == .arXiv, name == "author" {
                keyname = ""; forenames = ""; suffix = ""
            } else if format == .arXivRaw, name == "version", depth == metadataRootDepth + 1 {
                versionLabel = attributeDict["version"] ?? ""
                versionDate = ""; versionSize = ""
            }
        case .header:
            break
        case .outside:
            switch name {
            case "record":
                inRecord = true
                deleted = false
                identifier = ""; datestamp = ""; setSpecs = []
                format = nil; fields = [:]; authors = []; versions = []
            case "header" where inRecord:
                place = .header
                deleted = attributeDict["status"] == "deleted"
            case "metadata" where inRecord:
                place = .metadata
                metadataRootDepth = depth + 1
            case "ListRecords", "GetRecord":
                sawListRecords = true
            case "resumptionToken":
                tokenAttributes = attributeDict
            case "error":
                errorCode = attributeDict["code"] ?? "unknown"
            default: break
            }
        }
    }

    func characters(_ string: String) {
        text += string
    }

    func endElement(_ elementName: String) {
        defer {
            depth -= 1
            text = ""
        }
        let name = elementName
        if depth == 1 {
            rootClosed = true
            return
        }
        switch place {
        case .header:
            switch name {
            case "identifier": identifier = text.trimmingCharacters(in: .whitespacesAndNewlines)
            case "datestamp": datestamp = text.trimmingCharacters(in: .whitespacesAndNewlines)
            case "setSpec": setSpecs.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
            case "header": place = .outside
            default: break
            }
        case .metadata:
            if name == "metadata" && depth == metadataRootDepth - 1 {
                place = .outside
                return
            }
            endMetadataElement(name)
        case .outside:
            switch name {
            case "record":
                finishRecord()
                inRecord = false
            case "responseDate": responseDate = text.trimmingCharacters(in: .whitespacesAndNewlines)
            case "resumptionToken":
                token = OAIResumptionToken(
                    value: text.trimmingCharacters(in: .whitespacesAndNewlines),
                    completeListSize: tokenAttributes["completeListSize"].flatMap { Int($0) },
                    cursor: tokenAttributes["cursor"].flatMap { Int($0) },
                    expirationDate: tokenAttributes["expirationDate"])
            case "error":
                errors.append((errorCode ?? "unknown", text.collapsingWhitespace))
                errorCode = nil
            default: break
            }
        }
    }

    private func endMetadataElement(_ name: String) {
        guard let format else { return }
        switch format {
        case .arXiv:
            switch name {
            case "keyname": keyname = text
            case "forenames": forenames = text
            case "suffix": suffix = text
            case "author":
                if let author = AuthorNames.name(keyname: keyname, forenames: forenames, suffix: suffix) {
                    authors.append(author)
                }
            default:
                if depth == metadataRootDepth + 1 { fields[name] = text }
            }
        case .arXivRaw:
            if depth == metadataRootDepth + 2, versionLabel != nil {
                if name == "date" { versionDate = text } else if name == "size" { versionSize = text }
            } else if depth == metadataRootDepth + 1 {
                if name == "version" {
                    versions.append((versionLabel ?? "", versionDate, versionSize))
                    versionLabel = nil
                } else {
                    fields[name] = text
                }
            }
        }
    }

    private func finishRecord() {
        let ident = identifier.nilIfEmpty
        let paperID = ident.flatMap { ArxivID.parse(Self.stripOAIPrefix($0))?.base }
        if deleted {
            guard let ident else {
                skipped.append(SkippedRecord(identifier: nil, reason: "deleted header without identifier"))
                return
            }
            deletions.append(
                OAIDeletion(identifier: ident, paperID: paperID, datestamp: Day(datestamp), setSpecs: setSpecs))
            return
        }
        guard let day = Day(String(datestamp.prefix(10))) else {
            skipped.append(SkippedRecord(identifier: ident, reason: "invalid datestamp \(datestamp.debugDescription)"))
            return
        }
        guard let format else {
            skipped.append(SkippedRecord(identifier: ident, reason: "no arXiv or arXivRaw metadata"))
            return
        }
        do {
            let (paper, parsedVersions) = try mapPaper(format: format, identifier: ident)
            records.append(
                OAIRecord(
                    identifier: ident ?? paper.id, datestamp: day, setSpecs: setSpecs, paper: paper,
                    versions: parsedVersions, metadataPrefix: format,
                    license: fields["license"]?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty,
                    submitter: fields["submitter"]?.collapsingWhitespace.nilIfEmpty))
        } catch let problem as RecordProblem {
            skipped.append(SkippedRecord(identifier: ident, reason: problem.reason))
        } catch {
            skipped.append(SkippedRecord(identifier: ident, reason: "\(error)"))
        }
    }

    static func stripOAIPrefix(_ identifier: String) -> String {
        let prefix = "oai:arXiv.org:"
        if identifier.hasPrefix(prefix) { return String(identifier.dropFirst(prefix.count)) }
        return identifier
    }

    /// The Kaggle importer's mapping: versionless id, collapsed title and abstract, links from abstract and
    /// comments (by `Paper.init`), dates from the first and last versions.
    private func mapPaper(format: OAIMetadataPrefix, identifier: String?) throws -> (Paper, [ArxivVersion]) {
        let rawID =
            fields["id"]?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            ?? identifier.map(Self.stripOAIPrefix)
        guard let rawID, !rawID.isEmpty else { throw RecordProblem("record has no id") }
        guard let arxivID = ArxivID.parse(rawID) else {
            throw RecordProblem("\(rawID.debugDescription) is not an arXiv id")
        }
        let title = (fields["title"] ?? "").collapsingWhitespace
        guard !title.isEmpty else { throw RecordProblem("record \(rawID) has no title") }
        let categories = (fields["categories"] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)

        var version = arxivID.version ?? 1
        var published: Date?
        var updated: Date?
        var parsedVersions: [ArxivVersion] = []
        var authorList = authors
        switch format {
        case .arXiv:
            published = fields["created"].flatMap(ArxivDates.day)
            updated = fields["updated"].flatMap(ArxivDates.day)
        case .arXivRaw:
            for v in versions {
                guard v.label.hasPrefix("v"), let n = Int(v.label.dropFirst()), n > 0 else {
                    throw RecordProblem("record \(rawID) has an invalid version \(v.label.debugDescription)")
                }
                let date = rfc2822.date(from: v.date.trimmingCharacters(in: .whitespacesAndNewlines))
                parsedVersions.append(
                    ArxivVersion(
                        number: n, submittedAt: date, size: v.size.trimmingCharacters(in: .whitespaces).nilIfEmpty))
            }
            parsedVersions.sort { $0.number < $1.number }
            version = parsedVersions.last?.number ?? version
            published = parsedVersions.first?.submittedAt
            updated = parsedVersions.count > 1 ? parsedVersions.last?.submittedAt : nil
            authorList = AuthorNames.split(raw: fields["authors"] ?? "")
        }
        let paper = Paper(
            id: arxivID.base, version: version, title: title,
            abstract: (fields["abstract"] ?? "").collapsingWhitespace,
            authors: authorList, categories: categories, publishedAt: published, updatedAt: updated,
            comments: fields["comments"]?.collapsingWhitespace.nilIfEmpty,
            journalRef: fields["journal-ref"]?.collapsingWhitespace.nilIfEmpty,
            doi: fields["doi"]?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty)
        return (paper, parsedVersions)
    }
}

struct RecordProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
