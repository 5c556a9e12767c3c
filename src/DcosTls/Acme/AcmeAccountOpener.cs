namespace DcosTls.Acme;

/// <summary>
/// Finds or creates the account of the key in the store. A new account needs the terms of service
/// agreed explicitly; an existing key is only ever looked up (onlyReturnExisting), and its contacts are
/// updated when others are given.
/// </summary>
internal static class AcmeAccountOpener
{
    internal static AcmeAccountState Open(AcmeClient client, AcmeAccountKeyStore store, bool create, bool agree,
        IReadOnlyList<string> contacts, Action<string> log)
    {
        store.Check();
        using var held = create ? store.Lock() : null;
        if (store.Exists)
        {
            client.UseKey(store.Load());
            try
            {
                var state = client.Account(create: false, agree: false, contacts);
                if (contacts.Count > 0 && !contacts.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(state.Contacts))
                {
                    var list = new JsonArray();
                    foreach (string c in contacts) list.Add("mailto:" + c);
                    var updated = client.Post(state.Url, new JsonObject { ["contact"] = list });
                    state = AcmeAccountState.Read(state.Url, updated.Json);
                }
                return state;
            }
            catch (AcmeProblemException e) when (e.ShortType == "accountDoesNotExist")
            {
                // A test CA that restarted, or an account the CA dropped: the same key can register again.
                if (!create) throw;
                log($"ACME: {client.DirectoryUrl} knows no account for the key in '{store.KeyPath}'; registering it.");
                RequireAgreement(client, agree);
                return client.Account(create: true, agree, contacts);
            }
        }
        if (!create)
            throw new AcmeProblemException("AcmeAccountNotFound", ErrorCategory.ObjectNotFound,
                $"There is no ACME account key in '{store.Folder}'. Create the account with New-DcosAcmeAccount -AcmeDirectory {client.DirectoryUrl} -AcceptTermsOfService, or give the -AccountPath that holds it.");
        RequireAgreement(client, agree);
        using var key = store.Create();
        client.UseKey(key.Key);
        var created = client.Account(create: true, agree, contacts);
        key.Keep();
        log($"ACME: new account key in '{store.KeyPath}'.");
        return created;
    }

    private static void RequireAgreement(AcmeClient client, bool agree)
    {
        string? terms = client.TermsOfService;
        if (terms != null && !agree)
            throw new AcmeProblemException("AcmeTermsNotAccepted", ErrorCategory.PermissionDenied,
                $"A new account at {client.DirectoryUrl} means agreeing to its terms of service ({terms}). Read them and add -AcceptTermsOfService; nothing was created.");
    }
}
