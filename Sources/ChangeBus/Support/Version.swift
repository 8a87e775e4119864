/// The changebus release, reported by `--version`, in presence and in results.
public enum ChangeBusVersion {
    public static let current = "0.1.0"
}
