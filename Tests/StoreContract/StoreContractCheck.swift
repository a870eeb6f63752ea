import PaperStore
import Testing

/// Makes a fresh, empty store of the backend under test.
public typealias StoreFactory = @Sendable () async throws -> any PaperStore

/// One check of the store contract: what every `PaperStore` implementation must do, written once here and run by
/// each backend's test target against its own stores:
///
/// ```swift
/// @Test(arguments: StoreContract.checks)
/// func contract(_ check: StoreContractCheck) async throws { try await check.run { try SQLitePaperStore.inMemory() } }
/// ```
public struct StoreContractCheck: Sendable, CustomTestStringConvertible {
    public let name: String
    let body: @Sendable (@escaping StoreFactory) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (@escaping StoreFactory) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public func run(_ make: @escaping StoreFactory) async throws { try await body(make) }

    public var testDescription: String { name }
}

/// The whole contract.
public enum StoreContract {
    public static let checks: [StoreContractCheck] =
        CoreContract.checks
        + AliasContract.checks
        + CommunityContract.checks
        + DigestContract.checks
        + HarvestContract.checks
        + ImportBatchContract.checks
        + LeaseContract.checks
        + PublishedDayContract.checks
        + SignalsContract.checks
        + ThrottleContract.checks
}
