using DcosTls.Requests;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The reader over the generated corpus: every good request is read, every bad one is refused with its
/// own DcosTls id (never another exception, which would end Import-DcosCertificateRequest for every
/// later file), and the refusal names the file and shows the problem without raw control characters.
/// </summary>
public class CertificateRequestCorpusTests
{
    public static TheoryData<string> Cases => new(CertificateRequestCorpus.All.Value.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_request_of_the_corpus_gets_its_expected_outcome(string name)
    {
        var c = CertificateRequestCorpus.All.Value[name];
        string source = $"'/srv/in/{name}.csr'";
        var error = Record.Exception(() =>
        {
            var read = CertificateRequestReader.Read(c.Bytes, source);
            // What is read reaches the console and the certificate: nothing in it may drive a terminal.
            Assert.DoesNotContain(read.CommonName + read.Subject + string.Concat(read.DnsNames) + read.ToString(), char.IsControl);
        });
        if (c.ExpectedId == null)
        {
            Assert.Null(error);
            return;
        }
        var refusal = Assert.IsType<CertificateRequestException>(error);
        Assert.Equal(c.ExpectedId, refusal.ErrorId);
        Assert.Contains(source, refusal.Message);
        Assert.DoesNotContain(refusal.Message, char.IsControl);
        if (c.MessagePart != null) Assert.Contains(c.MessagePart, refusal.Message);
    }

    [Fact]
    public void The_corpus_holds_at_least_100_requests_good_and_bad()
    {
        var all = CertificateRequestCorpus.All.Value.Values.ToList();
        Assert.True(all.Count >= 100, $"{all.Count} cases");
        Assert.True(all.Count(c => c.ExpectedId == null) >= 30);
        Assert.True(all.Count(c => c.ExpectedId != null) >= 70);
    }
}
