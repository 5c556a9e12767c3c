using System.Buffers.Binary;

namespace DcosTls.Acme.Dns;

/// <summary>Writes DNS messages (RFC 1035 wire form, names uncompressed).</summary>
internal sealed class DnsWriter
{
    private readonly MemoryStream _buffer = new();

    internal void U16(int value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)value);
        _buffer.Write(b);
    }

    internal void U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _buffer.Write(b);
    }

    internal void U48(long value)
    {
        U16((int)((value >> 32) & 0xFFFF));
        U32((uint)(value & 0xFFFFFFFF));
    }

    internal void Bytes(ReadOnlySpan<byte> data) => _buffer.Write(data);

    internal void Name(string name, bool lowerCase = false)
    {
        foreach (string label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            byte[] bytes = Encoding.ASCII.GetBytes(lowerCase ? label.ToLowerInvariant() : label);
            _buffer.WriteByte((byte)bytes.Length);
            _buffer.Write(bytes);
        }
        _buffer.WriteByte(0);
    }

    /// <summary>A resource record with its rdata written by <paramref name="rdata"/>.</summary>
    internal void Record(string name, int type, int @class, uint ttl, Action<DnsWriter> rdata)
    {
        Name(name);
        U16(type);
        U16(@class);
        U32(ttl);
        var inner = new DnsWriter();
        rdata(inner);
        byte[] data = inner.ToArray();
        U16(data.Length);
        Bytes(data);
    }

    internal byte[] ToArray() => _buffer.ToArray();
}

/// <summary>Reads the parts of DNS answers we need: header, records, compressed names.</summary>
internal sealed class DnsReader
{
    private readonly byte[] _data;

    internal DnsReader(byte[] data) => _data = data;

    internal int Position { get; set; }

    internal int U16()
    {
        int v = BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(Position, 2));
        Position += 2;
        return v;
    }

    internal uint U32()
    {
        uint v = BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(Position, 4));
        Position += 4;
        return v;
    }

    internal string Name()
    {
        var labels = new List<string>();
        int position = Position;
        bool jumped = false;
        for (int hops = 0; hops < 64; hops++)
        {
            int length = _data[position];
            if (length == 0)
            {
                if (!jumped) Position = position + 1;
                return string.Join('.', labels) + ".";
            }
            if ((length & 0xC0) == 0xC0)
            {
                int target = ((length & 0x3F) << 8) | _data[position + 1];
                if (!jumped) Position = position + 2;
                jumped = true;
                position = target;
                continue;
            }
            labels.Add(Encoding.ASCII.GetString(_data, position + 1, length));
            position += 1 + length;
        }
        throw new InvalidDataException("DNS name compression loop");
    }

    internal ReadOnlySpan<byte> Bytes(int count)
    {
        var span = _data.AsSpan(Position, count);
        Position += count;
        return span;
    }

    internal byte[] Data => _data;
}

/// <summary>One resource record of an answer.</summary>
internal sealed record DnsRecord(string Name, int Type, int Class, int RdataOffset, int RdataLength);

/// <summary>A parsed answer: header fields and its four sections.</summary>
internal sealed class DnsMessage
{
    internal int Id { get; private init; }
    internal int Flags { get; private init; }
    internal int ResponseCode => Flags & 0xF;
    internal List<DnsRecord> Answers { get; } = new();
    internal List<DnsRecord> Authority { get; } = new();
    internal List<DnsRecord> Additional { get; } = new();
    internal byte[] Raw { get; private init; } = Array.Empty<byte>();

    internal static DnsMessage Parse(byte[] data)
    {
        var r = new DnsReader(data);
        var message = new DnsMessage { Id = r.U16(), Flags = r.U16(), Raw = data };
        int qd = r.U16(), an = r.U16(), ns = r.U16(), ar = r.U16();
        for (int i = 0; i < qd; i++) { r.Name(); r.U16(); r.U16(); }
        foreach (var (count, list) in new[] { (an, message.Answers), (ns, message.Authority), (ar, message.Additional) })
        {
            for (int i = 0; i < count; i++)
            {
                string name = r.Name();
                int type = r.U16(), @class = r.U16();
                r.U32();
                int length = r.U16();
                if (r.Position + length > data.Length) throw new InvalidDataException("DNS record runs past the end of the message");
                var record = new DnsRecord(name, type, @class, r.Position, length);
                // The parts read later are checked now, so a malformed answer fails here, in one place.
                if (type == DnsTypes.Txt) CheckTxt(data, record);
                if (type == DnsTypes.Tsig) CheckTsig(data, record);
                list.Add(record);
                r.Position += length;
            }
        }
        return message;
    }

    /// <summary>Every character string of the TXT record lies inside the record.</summary>
    private static void CheckTxt(byte[] data, DnsRecord record)
    {
        int p = record.RdataOffset, end = record.RdataOffset + record.RdataLength;
        while (p < end)
        {
            p += 1 + data[p];
            if (p > end) throw new InvalidDataException("TXT string longer than its record");
        }
    }

    /// <summary>The TSIG record holds its fields up to the error code (RFC 8945 section 4.2) inside the record.</summary>
    private static void CheckTsig(byte[] data, DnsRecord record)
    {
        int end = record.RdataOffset + record.RdataLength;
        var r = new DnsReader(data[..end]) { Position = record.RdataOffset };
        try
        {
            r.Name();
            r.Bytes(6 + 2);
            int macSize = r.U16();
            r.Bytes(macSize + 2);
            r.U16();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidDataException("TSIG record cut short");
        }
    }

    /// <summary>The character strings of a TXT record, joined.</summary>
    internal string Text(DnsRecord record)
    {
        var sb = new StringBuilder();
        int p = record.RdataOffset, end = record.RdataOffset + record.RdataLength;
        while (p < end)
        {
            int len = Raw[p];
            sb.Append(Encoding.ASCII.GetString(Raw, p + 1, len));
            p += 1 + len;
        }
        return sb.ToString();
    }

    /// <summary>The TSIG error field of the answer's TSIG record (0 when none).</summary>
    internal int TsigError()
    {
        var tsig = Additional.FirstOrDefault(a => a.Type == DnsTypes.Tsig);
        if (tsig == null) return 0;
        var r = new DnsReader(Raw) { Position = tsig.RdataOffset };
        r.Name();
        r.Bytes(6 + 2);
        int macSize = r.U16();
        r.Bytes(macSize + 2);
        return r.U16();
    }
}

internal static class DnsTypes
{
    internal const int Soa = 6;
    internal const int Txt = 16;
    internal const int Tsig = 250;
    internal const int ClassIn = 1;
    internal const int ClassNone = 254;
    internal const int ClassAny = 255;
}
