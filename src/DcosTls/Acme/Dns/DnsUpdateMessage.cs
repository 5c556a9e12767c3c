using System.Buffers.Binary;

namespace DcosTls.Acme.Dns;

/// <summary>
/// The bytes of one RFC 2136 update (one TXT record added or deleted in a zone) and of its TSIG
/// signature (RFC 8945). Pure: the id and the signing time come from the caller.
/// </summary>
internal static class DnsUpdateMessage
{
    /// <summary>
    /// An update of one TXT record: class IN adds it with the TTL given; class NONE deletes exactly
    /// that value (TTL 0), leaving other values of the name alone.
    /// </summary>
    internal static byte[] Build(int id, string zone, string name, string value, int @class, uint ttl)
    {
        var w = new DnsWriter();
        w.U16(id);
        w.U16(5 << 11); // opcode UPDATE
        w.U16(1); w.U16(0); w.U16(1); w.U16(0); // one zone, no prerequisites, one update, no additional
        w.Name(zone);
        w.U16(DnsTypes.Soa);
        w.U16(DnsTypes.ClassIn);
        w.Record(name, DnsTypes.Txt, @class, ttl, rd =>
        {
            byte[] text = System.Text.Encoding.ASCII.GetBytes(value);
            rd.Bytes(new[] { (byte)text.Length });
            rd.Bytes(text);
        });
        return w.ToArray();
    }

    /// <summary>Appends a TSIG record: the MAC covers the message and the TSIG variables.</summary>
    internal static byte[] Sign(byte[] message, int id, TsigKey key, long unixTime, ushort fudge)
    {
        var variables = new DnsWriter();
        variables.Name(key.Name, lowerCase: true);
        variables.U16(DnsTypes.ClassAny);
        variables.U32(0);
        variables.Name(key.Algorithm, lowerCase: true);
        variables.U48(unixTime);
        variables.U16(fudge);
        variables.U16(0); // error
        variables.U16(0); // other length
        byte[] mac = key.Mac(message.Concat(variables.ToArray()).ToArray());

        var w = new DnsWriter();
        w.Bytes(message);
        w.Record(key.Name, DnsTypes.Tsig, DnsTypes.ClassAny, 0, rd =>
        {
            rd.Name(key.Algorithm, lowerCase: true);
            rd.U48(unixTime);
            rd.U16(fudge);
            rd.U16(mac.Length);
            rd.Bytes(mac);
            rd.U16(id);
            rd.U16(0);
            rd.U16(0);
        });
        byte[] signed = w.ToArray();
        int additional = BinaryPrimitives.ReadUInt16BigEndian(signed.AsSpan(10, 2));
        BinaryPrimitives.WriteUInt16BigEndian(signed.AsSpan(10, 2), (ushort)(additional + 1));
        return signed;
    }
}
