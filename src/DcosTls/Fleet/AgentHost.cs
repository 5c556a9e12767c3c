using System.Collections.ObjectModel;
using System.Management.Automation.Host;

namespace DcosTls.Fleet;

/// <summary>
/// The host an agent's remote runspace talks to. Remoting forwards the agent's host output here; what
/// matters is the agent cmdlets' -WhatIf lines ("What if: ..."), kept so that the fleet cmdlet can report
/// them per agent. Prompts are refused: agents run unattended.
/// </summary>
internal sealed class AgentHost : PSHost
{
    private readonly AgentHostUI _ui = new();

    /// <summary>The lines the agent wrote to its host, in order.</summary>
    internal IReadOnlyList<string> Lines => _ui.Lines;

    public override string Name => "DcosTlsAgent";
    public override Version Version { get; } = new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override void SetShouldExit(int exitCode) { }
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed class AgentHostUI : PSHostUserInterface
    {
        private readonly List<string> _lines = new();
        private readonly System.Text.StringBuilder _partial = new();

        internal IReadOnlyList<string> Lines
        {
            get { lock (_lines) return _lines.ToList(); }
        }

        public override PSHostRawUserInterface? RawUI => null;

        public override void Write(string value)
        {
            lock (_lines) _partial.Append(value);
        }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value)
        {
            lock (_lines)
            {
                _lines.Add(_partial + value);
                _partial.Clear();
            }
        }

        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }

        public override string ReadLine() => throw Unattended();
        public override SecureString ReadLineAsSecureString() => throw Unattended();
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw Unattended();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw Unattended();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw Unattended();
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw Unattended();

        private static PSInvalidOperationException Unattended()
            => new("An agent asked for input; provisioning runs unattended. Give every input as a parameter.");
    }
}
