-- Workspace example — avatars in Supabase Storage.
--
-- A private bucket; every user owns the folder named after their user id ("<uid>/avatar.png") and
-- may upload, download, overwrite (upsert: needs INSERT, UPDATE and SELECT) and remove objects in
-- it — and nothing anywhere else. The app shows colleagues' avatars through signed URLs minted by
-- the backend, so no policy reads another user's folder.

insert into storage.buckets (id, name, public)
values ('avatars', 'avatars', false)
on conflict (id) do nothing;

create policy "users read their own avatar folder"
  on storage.objects for select to authenticated
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);

create policy "users upload into their own avatar folder"
  on storage.objects for insert to authenticated
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);

create policy "users overwrite their own avatars"
  on storage.objects for update to authenticated
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text)
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);

create policy "users remove their own avatars"
  on storage.objects for delete to authenticated
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
