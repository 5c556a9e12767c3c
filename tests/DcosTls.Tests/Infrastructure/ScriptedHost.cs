using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace DcosTls.Tests.Infrastructure;

/// <summary>
/// A host whose user answers -Confirm prompts from a script ("Y", "N", "A", "L"), so tests can
/// decline one file of a set and see what the cmdlet does with the rest. Prompts are recorded.
/// </summary>
public sealed class ScriptedHost : PSHost
{
    private readonly ScriptedUI _ui;

    public ScriptedHost(params string[] answers) => _ui = new ScriptedUI(answers);

    public List<string> Prompts => _ui.Prompts;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override string Name => "DcosTls.ScriptedHost";
    public override PSHostUserInterface UI => _ui;
    public override Version Version => new(1, 0);
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class ScriptedUI : PSHostUserInterface
    {
        private readonly Queue<string> _answers;

        internal ScriptedUI(IEnumerable<string> answers) => _answers = new Queue<string>(answers);

        internal List<string> Prompts { get; } = new();

        public override PSHostRawUserInterface? RawUI => null;

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Add(message);
            string answer = _answers.Count > 0 ? _answers.Dequeue() : "N";
            for (int i = 0; i < choices.Count; i++)
                if (choices[i].Label.Replace("&", string.Empty).StartsWith(answer, StringComparison.OrdinalIgnoreCase)) return i;
            throw new InvalidOperationException($"no choice '{answer}' in: {string.Join(", ", choices.Select(c => c.Label))}");
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
        public override string ReadLine() => string.Empty;
        public override SecureString ReadLineAsSecureString() => new();
        public override void Write(string value) { }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteErrorLine(string value) { }
        public override void WriteLine(string value) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
    }
}
