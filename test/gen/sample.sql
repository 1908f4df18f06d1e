-- test/gen/sample.sql
--
-- A deterministic generator of realistic sample customer data for cdp: the
-- events a Customer Data Platform receives from a web site, a mobile app,
-- point-of-sale terminals and a CRM, for a given number of synthetic people
-- over the 90 days before a fixed reference time, together with the ground
-- truth (which identifiers belong to which person).
--
-- Runs with psql in any UTF8 database of PostgreSQL 15 or later; it needs no
-- extension (not even cdp) and nothing outside the server:
--
--   psql -v ON_ERROR_STOP=1 -f test/gen/sample.sql
--   SELECT * FROM cdp_sample.events(10000, 1) ORDER BY seq;
--
-- Determinism: every choice comes from hashint8extended() chains over
-- (seed, person, session, event, purpose), never from random() or now(), so
-- the same arguments give byte-identical output on every run, in every
-- session and on every machine (no locale, time zone or float rounding
-- enters the output).  Person n is the same person whatever the number of
-- people asked for.
--
-- Everything lives in schema cdp_sample, dropped and recreated by this
-- script.  See doc/readme/generator.md.

SET client_encoding = 'UTF8';
SET client_min_messages = warning;

BEGIN;

DO $$
BEGIN
    IF pg_catalog.current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'cdp_sample needs a UTF8 database'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'The sample holds names in Latin, Greek and Cyrillic script.',
                  HINT = 'Run the script in a database created with ENCODING ''UTF8''.';
    END IF;
END
$$;

DROP SCHEMA IF EXISTS cdp_sample CASCADE;
CREATE SCHEMA cdp_sample;
COMMENT ON SCHEMA cdp_sample IS
    'deterministic generator of sample customer data (test/gen/sample.sql)';

-------------------------------------------------------------------------------
-- Reference data
-------------------------------------------------------------------------------

-- Name cultures of an Australian customer base; weight in percent.
CREATE TABLE cdp_sample.cultures (
    culture integer PRIMARY KEY,
    name    text NOT NULL,
    locale  text NOT NULL,      -- browser locale of some of its people
    weight  integer NOT NULL,
    lo      integer,            -- [lo, hi): slice of 0..99 picking it
    hi      integer
);
INSERT INTO cdp_sample.cultures (culture, name, locale, weight) VALUES
    (1, 'Anglo-Celtic', 'en-AU', 50),
    (2, 'Italian', 'it-IT', 6),
    (3, 'Greek', 'el-GR', 5),
    (4, 'Chinese', 'zh-CN', 7),
    (5, 'Vietnamese', 'vi-VN', 4),
    (6, 'Indian', 'en-IN', 6),
    (7, 'Arabic', 'ar-LB', 3),
    (8, 'German, Dutch and Nordic', 'de-DE', 4),
    (9, 'Spanish', 'es-ES', 4),
    (10, 'French', 'fr-FR', 2),
    (11, 'Polish, Czech and Balkan', 'pl-PL', 3),
    (12, 'Russian and Ukrainian', 'ru-RU', 2),
    (13, 'Filipino', 'en-PH', 2),
    (14, 'Korean and Japanese', 'ko-KR', 2);

-- Given names ('g') and surnames ('s') per culture, most common first.  An
-- entry 'Native|Latin' gives the name and its ASCII (Latin) spelling.
CREATE TABLE cdp_sample.names (
    culture integer NOT NULL REFERENCES cdp_sample.cultures,
    kind    "char" NOT NULL CHECK (kind IN ('g', 's')),
    n       integer NOT NULL,
    name    text NOT NULL,
    ascii   text NOT NULL,
    PRIMARY KEY (culture, kind, n)
);
INSERT INTO cdp_sample.names (culture, kind, n, name, ascii)
SELECT l.culture, l.kind, t.n, split_part(t.entry, '|', 1),
       coalesce(nullif(split_part(t.entry, '|', 2), ''), split_part(t.entry, '|', 1))
FROM (VALUES
    (1, 'g', ARRAY['Olivia','Jack','Charlotte','William','Amelia','Oliver','James','Emily',
        'Thomas','Sarah','Michael','Jessica','Daniel','Emma','Matthew','Sophie','Joshua',
        'Chloe','Benjamin','Grace','Noah','Ruby','Lucas','Mia','Henry','Isla','Ethan','Ava',
        'Samuel','Hannah','Liam','Lucy','Harrison','Zoe','Andrew','Rebecca','David','Megan',
        'Christopher','Laura','Mark','Karen','Peter','Michelle','Paul','Kylie','Stephen',
        'Nicole','Robert','Jennifer','John','Margaret','Leo','Susan','Charlie','Helen',
        'Harper','Matilda','Zoë|Zoe','Renée|Renee','Siobhán|Siobhan','Seán|Sean','Niamh',
        'Aoife','Ciarán|Ciaran','Bronwyn','Lachlan','Angus']),
    (1, 's', ARRAY['Smith','Jones','Williams','Brown','Wilson','Taylor','Johnson','White',
        'Martin','Anderson','Thompson','Thomas','Walker','Harris','Lee','Ryan','Robinson',
        'Kelly','King','Davis','Wright','Evans','Roberts','Green','Hall','Wood','Jackson',
        'Clarke','Hughes','Edwards','Murphy','Campbell','Mitchell','Scott','Turner','Hill',
        'Moore','Cooper','Ward','Morris','Baker','Young','Allen','Bell','Cook','Bailey',
        'Parker','Miller','Davies','Stewart','Collins','Murray','Reid','Graham','Hunter',
        'O''Brien','O''Connor','O''Sullivan','McDonald','McKenzie','Fitzgerald',
        'Taylor-Smith','Ní Bhriain|Ni Bhriain']),
    (2, 'g', ARRAY['Marco','Giulia','Luca','Francesca','Giuseppe','Chiara','Alessandro',
        'Sofia','Francesco','Elena','Lorenzo','Rosa','Matteo','Antonio','Niccolò|Niccolo']),
    (2, 's', ARRAY['Rossi','Russo','Ferrari','Esposito','Bianchi','Romano','Colombo','Ricci',
        'Marino','Greco','Bruno','Gallo','Conti','De Luca','D''Angelo','Lombardi','Moretti',
        'Costa']),
    (3, 'g', ARRAY['Giorgos','Maria','Dimitrios','Eleni','Nikolaos','Konstantinos','Georgia',
        'Ioannis','Katerina','Christos','Vasiliki','Γιώργος|Giorgos','Δημήτρης|Dimitris',
        'Ελένη|Eleni','Μαρία|Maria','Νίκος|Nikos']),
    (3, 's', ARRAY['Papadopoulos','Georgiou','Nikolaou','Papadakis','Dimitriou',
        'Konstantinou','Vlachos','Pappas','Karagiannis','Christodoulou','Alexiou',
        'Παπαδόπουλος|Papadopoulos','Νικολάου|Nikolaou','Γεωργίου|Georgiou',
        'Οικονόμου|Oikonomou']),
    (4, 'g', ARRAY['Wei','Jing','Li','Xin','Kevin','Yan','Hao','Vivian','Jun','Ming','Lei',
        'Ying','Jason','Mei','Jie','Cindy','Xiaoming','Zhiwei']),
    (4, 's', ARRAY['Wang','Li','Zhang','Chen','Liu','Yang','Huang','Zhao','Wu','Zhou','Xu',
        'Sun','Lin','Chan','Wong','Cheung','Ho','Lam']),
    (5, 'g', ARRAY['Minh','Anh','Linh','Thảo|Thao','Hùng|Hung','Tuấn|Tuan','Hương|Huong',
        'Trang','Đức|Duc','Phương|Phuong','Quang','Hoa','Nam','Lan']),
    (5, 's', ARRAY['Nguyen','Nguyễn|Nguyen','Tran','Trần|Tran','Le','Lê|Le','Pham',
        'Phạm|Pham','Huỳnh|Huynh','Hoàng|Hoang','Phan','Vũ|Vu','Đặng|Dang','Bùi|Bui',
        'Đỗ|Do']),
    (6, 'g', ARRAY['Aarav','Priya','Rahul','Ananya','Arjun','Deepika','Vikram','Sanjay',
        'Kavya','Rohan','Neha','Amit','Pooja','Raj','Sunita','Harpreet','Gurpreet']),
    (6, 's', ARRAY['Patel','Singh','Sharma','Kumar','Gupta','Shah','Reddy','Iyer','Nair',
        'Mehta','Kaur','Chopra','Das','Rao','Joshi']),
    (7, 'g', ARRAY['Mohammed','Ahmed','Fatima','Ali','Omar','Layla','Yousef','Hassan',
        'Mariam','Zainab','Khaled','Rania','Nour']),
    (7, 's', ARRAY['Khoury','Haddad','Hassan','Ibrahim','Saleh','Nasser','El-Masri',
        'Abdallah','Karam','Mansour','Aziz','Farah']),
    (8, 'g', ARRAY['Lukas','Anja','Jürgen|Juergen','Katrin','Søren|Soren','Björn|Bjorn',
        'Lars','Ingrid','Sven','Astrid','Jan','Pieter','Sanne','Mette','Ole']),
    (8, 's', ARRAY['Müller|Mueller','Schmidt','Schneider','Fischer','Weber','Becker',
        'Jansen','de Vries','van der Berg','Bakker','Larsen','Andersson','Johansson',
        'Ødegaard|Odegaard','Nielsen','Björk|Bjork']),
    (9, 'g', ARRAY['José|Jose','María|Maria','Lucía|Lucia','Sofía|Sofia','Alejandro',
        'Javier','Camila','Valentina','Diego','Andrés|Andres','Inés|Ines','Mateo',
        'Martín|Martin','Pablo','Carmen']),
    (9, 's', ARRAY['García|Garcia','Rodríguez|Rodriguez','Martínez|Martinez',
        'López|Lopez','González|Gonzalez','Pérez|Perez','Sánchez|Sanchez','Gómez|Gomez',
        'Fernández|Fernandez','Jiménez|Jimenez','Muñoz|Munoz','Álvarez|Alvarez','Romero',
        'Torres','Díaz|Diaz','Castillo']),
    (10, 'g', ARRAY['Chloé|Chloe','Léa|Lea','Camille','Élodie|Elodie','Manon',
        'Hélène|Helene','François|Francois','Étienne|Etienne','Théo|Theo','Louis',
        'Jérôme|Jerome','Mathieu','Céline|Celine','Amélie|Amelie','Benoît|Benoit']),
    (10, 's', ARRAY['Martin','Bernard','Dubois','Durand','Lefèvre|Lefevre','Moreau',
        'Laurent','Girard','Lefebvre','Rousseau','Fontaine','Chevalier',
        'Bélanger|Belanger','Gauthier']),
    (11, 'g', ARRAY['Łukasz|Lukasz','Małgorzata|Malgorzata','Agnieszka','Paweł|Pawel',
        'Katarzyna','Tomasz','Jiří|Jiri','Zuzana','Petra','Marko','Ivana','Nikola',
        'Dragana','Miloš|Milos','Jakub']),
    (11, 's', ARRAY['Kowalski','Nowak','Wiśniewski|Wisniewski','Wójcik|Wojcik',
        'Lewandowski','Dvořák|Dvorak','Novák|Novak','Černý|Cerny','Kovačević|Kovacevic',
        'Petrović|Petrovic','Jovanović|Jovanovic','Horvat','Babić|Babic','Kovač|Kovac']),
    (12, 'g', ARRAY['Ivan','Olga','Иван|Ivan','Дмитрий|Dmitry','Ольга|Olga',
        'Наталья|Natalya','Сергей|Sergey','Алексей|Alexey','Екатерина|Ekaterina',
        'Анастасия|Anastasia','Oksana','Olena','Andriy','Mykola','Yulia','Tatiana']),
    (12, 's', ARRAY['Ivanov','Shevchenko','Иванов|Ivanov','Петрова|Petrova',
        'Смирнов|Smirnov','Кузнецова|Kuznetsova','Попов|Popov','Kovalenko','Bondarenko',
        'Melnyk','Tkachenko','Volkov','Sokolova','Morozov','Lebedev']),
    (13, 'g', ARRAY['Mark','Angelica','Jericho','Rhea','Jomar','Kristine','Mary Grace',
        'Jun','Carlo','Leah','Ramon','Rowena']),
    (13, 's', ARRAY['Santos','Reyes','Cruz','Bautista','Ocampo','Garcia','Mendoza','Torres',
        'Dela Cruz','Villanueva','Aquino','Ramos','Castro','Flores']),
    (14, 'g', ARRAY['Ji-woo','Min-jun','Seo-yeon','Hyun-woo','Ji-hoon','Yuna','Haruto','Yui',
        'Sakura','Kenji','Hiroshi','Yuki','Sora','Ren']),
    (14, 's', ARRAY['Kim','Lee','Park','Choi','Jung','Kang','Cho','Sato','Suzuki',
        'Takahashi','Tanaka','Watanabe','Ito','Yamamoto'])
) AS l(culture, kind, entries),
LATERAL unnest(l.entries) WITH ORDINALITY AS t(entry, n);

-- Australian places: people live in them, stores stand in some.
CREATE TABLE cdp_sample.cities (
    n        integer PRIMARY KEY,
    city     text NOT NULL,
    state    text NOT NULL,
    postcode text NOT NULL,
    timezone text NOT NULL,
    store    integer NOT NULL,  -- the nearest store
    weight   integer NOT NULL,
    lo       integer,
    hi       integer
);
INSERT INTO cdp_sample.cities (n, city, state, postcode, timezone, store, weight) VALUES
    (1, 'Sydney', 'NSW', '2000', 'Australia/Sydney', 1, 13),
    (2, 'Surry Hills', 'NSW', '2010', 'Australia/Sydney', 1, 3),
    (3, 'Bondi', 'NSW', '2026', 'Australia/Sydney', 2, 3),
    (4, 'Chatswood', 'NSW', '2067', 'Australia/Sydney', 4, 3),
    (5, 'Parramatta', 'NSW', '2150', 'Australia/Sydney', 3, 5),
    (6, 'Newcastle', 'NSW', '2300', 'Australia/Sydney', 14, 3),
    (7, 'Wollongong', 'NSW', '2500', 'Australia/Sydney', 1, 2),
    (8, 'Melbourne', 'VIC', '3000', 'Australia/Melbourne', 5, 12),
    (9, 'Brunswick', 'VIC', '3056', 'Australia/Melbourne', 7, 3),
    (10, 'Fitzroy', 'VIC', '3065', 'Australia/Melbourne', 7, 2),
    (11, 'Richmond', 'VIC', '3121', 'Australia/Melbourne', 5, 2),
    (12, 'Box Hill', 'VIC', '3128', 'Australia/Melbourne', 6, 2),
    (13, 'St Kilda', 'VIC', '3182', 'Australia/Melbourne', 6, 2),
    (14, 'Geelong', 'VIC', '3220', 'Australia/Melbourne', 15, 2),
    (15, 'Brisbane', 'QLD', '4000', 'Australia/Brisbane', 8, 9),
    (16, 'Gold Coast', 'QLD', '4217', 'Australia/Brisbane', 9, 5),
    (17, 'Maroochydore', 'QLD', '4558', 'Australia/Brisbane', 8, 2),
    (18, 'Townsville', 'QLD', '4810', 'Australia/Brisbane', 8, 1),
    (19, 'Cairns', 'QLD', '4870', 'Australia/Brisbane', 8, 1),
    (20, 'Perth', 'WA', '6000', 'Australia/Perth', 10, 8),
    (21, 'Fremantle', 'WA', '6160', 'Australia/Perth', 10, 2),
    (22, 'Adelaide', 'SA', '5000', 'Australia/Adelaide', 11, 6),
    (23, 'Glenelg', 'SA', '5045', 'Australia/Adelaide', 11, 1),
    (24, 'Hobart', 'TAS', '7000', 'Australia/Hobart', 13, 2),
    (25, 'Launceston', 'TAS', '7250', 'Australia/Hobart', 13, 1),
    (26, 'Canberra', 'ACT', '2601', 'Australia/Sydney', 12, 4),
    (27, 'Darwin', 'NT', '0800', 'Australia/Darwin', 8, 1);

CREATE TABLE cdp_sample.stores (
    store    integer PRIMARY KEY,
    store_id text NOT NULL,
    name     text NOT NULL,
    ipad_pos boolean NOT NULL   -- its tills are one shared iPad
);
INSERT INTO cdp_sample.stores VALUES
    (1, 'S01', 'Sydney CBD', false), (2, 'S02', 'Bondi Junction', false),
    (3, 'S03', 'Parramatta', false), (4, 'S04', 'Chatswood', false),
    (5, 'S05', 'Melbourne CBD', false), (6, 'S06', 'Chadstone', false),
    (7, 'S07', 'Fitzroy', true), (8, 'S08', 'Brisbane CBD', false),
    (9, 'S09', 'Gold Coast', false), (10, 'S10', 'Perth CBD', false),
    (11, 'S11', 'Adelaide CBD', false), (12, 'S12', 'Canberra', false),
    (13, 'S13', 'Hobart', true), (14, 'S14', 'Newcastle', false),
    (15, 'S15', 'Geelong', false);

CREATE TABLE cdp_sample.streets (
    n    integer PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO cdp_sample.streets (n, name)
SELECT t.n, t.name
FROM unnest(ARRAY['George','Collins','Queen','King','Elizabeth','Victoria','High','Church',
    'Station','Park','Bridge','Chapel','Smith','Brunswick','Oxford','Pitt','Hay','Lygon',
    'Beach','Ocean','Railway','Albert','William','Hunter','Murray','Bourke','Flinders',
    'Swanston','Glenferrie','Military','Pacific','Wattle','Banksia','Acacia','Jacaranda',
    'Waratah','Kurrajong','Grevillea','Boronia','Mount'])
    WITH ORDINALITY AS t(name, n);

CREATE TABLE cdp_sample.email_domains (
    n      integer PRIMARY KEY,
    domain text NOT NULL,
    weight integer NOT NULL,
    lo     integer,
    hi     integer
);
INSERT INTO cdp_sample.email_domains (n, domain, weight) VALUES
    (1, 'gmail.com', 34), (2, 'hotmail.com', 9), (3, 'outlook.com', 8), (4, 'icloud.com', 9),
    (5, 'yahoo.com.au', 5), (6, 'yahoo.com', 3), (7, 'bigpond.com', 7),
    (8, 'bigpond.net.au', 2), (9, 'optusnet.com.au', 4), (10, 'live.com.au', 3),
    (11, 'outlook.com.au', 3), (12, 'me.com', 2), (13, 'protonmail.com', 2),
    (14, 'tpg.com.au', 2), (15, 'iinet.net.au', 2), (16, 'internode.on.net', 1),
    (17, 'hotmail.com.au', 2), (18, 'gmx.com', 1), (19, 'yahoo.co.uk', 1);

-- Web browsers: user agent, screen and client hints (Chromium only).
CREATE TABLE cdp_sample.user_agents (
    n          integer PRIMARY KEY,
    user_agent text NOT NULL,
    ua_data    jsonb,
    width      integer NOT NULL,
    height     integer NOT NULL,
    density    numeric NOT NULL,
    weight     integer NOT NULL,
    lo         integer,
    hi         integer
);
INSERT INTO cdp_sample.user_agents (n, user_agent, ua_data, width, height, density, weight) VALUES
    (1, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
     '{"brands":[{"brand":"Chromium","version":"130"},{"brand":"Google Chrome","version":"130"},{"brand":"Not?A_Brand","version":"99"}],"mobile":false,"platform":"Windows"}',
     1920, 1080, 1, 25),
    (2, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
     '{"brands":[{"brand":"Chromium","version":"130"},{"brand":"Google Chrome","version":"130"},{"brand":"Not?A_Brand","version":"99"}],"mobile":false,"platform":"macOS"}',
     1440, 900, 2, 8),
    (3, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
     NULL, 1512, 982, 2, 8),
    (4, 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0.1 Mobile/15E148 Safari/604.1',
     NULL, 390, 844, 3, 28),
    (5, 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
     '{"brands":[{"brand":"Chromium","version":"130"},{"brand":"Google Chrome","version":"130"},{"brand":"Not?A_Brand","version":"99"}],"mobile":true,"platform":"Android"}',
     412, 915, 2.625, 15),
    (6, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
     '{"brands":[{"brand":"Chromium","version":"130"},{"brand":"Microsoft Edge","version":"130"},{"brand":"Not?A_Brand","version":"99"}],"mobile":false,"platform":"Windows"}',
     1536, 864, 1.25, 6),
    (7, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0',
     NULL, 1920, 1080, 1, 4),
    (8, 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
     NULL, 820, 1180, 2, 4),
    (9, 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
     '{"brands":[{"brand":"Chromium","version":"122"},{"brand":"Samsung Internet","version":"26"},{"brand":"Not(A:Brand","version":"24"}],"mobile":true,"platform":"Android"}',
     384, 854, 2.8125, 2);

-- Phones running the mobile app; weight in percent per platform.
CREATE TABLE cdp_sample.devices (
    n            integer PRIMARY KEY,
    platform     text NOT NULL CHECK (platform IN ('ios', 'android')),
    manufacturer text NOT NULL,
    model        text NOT NULL,
    os_versions  text[] NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    weight       integer NOT NULL,
    lo           integer,
    hi           integer
);
INSERT INTO cdp_sample.devices (n, platform, manufacturer, model, os_versions, width, height, weight) VALUES
    (1, 'ios', 'Apple', 'iPhone15,2', '{18.0.1,18.0.1,17.6.1,18.1}', 393, 852, 22),
    (2, 'ios', 'Apple', 'iPhone14,5', '{17.6.1,18.0.1,17.5.1,16.7.10}', 390, 844, 24),
    (3, 'ios', 'Apple', 'iPhone16,1', '{18.0.1,18.1,18.0.1,17.6.1}', 393, 852, 20),
    (4, 'ios', 'Apple', 'iPhone14,7', '{17.6.1,18.0.1,18.1,17.5.1}', 390, 844, 18),
    (5, 'ios', 'Apple', 'iPhone12,1', '{17.6.1,16.7.10,17.5.1,17.6.1}', 414, 896, 16),
    (6, 'android', 'samsung', 'SM-S921B', '{14,14,15,14}', 360, 780, 24),
    (7, 'android', 'samsung', 'SM-A546E', '{14,13,14,14}', 384, 854, 22),
    (8, 'android', 'Google', 'Pixel 8', '{15,14,15,15}', 412, 915, 16),
    (9, 'android', 'Google', 'Pixel 7a', '{14,15,14,13}', 412, 915, 12),
    (10, 'android', 'OPPO', 'CPH2449', '{13,14,13,13}', 360, 800, 14),
    (11, 'android', 'motorola', 'moto g54 5G', '{14,13,14,14}', 360, 800, 12);

-- The catalogue: items in colours; a product is one item in one colour.
CREATE TABLE cdp_sample.products (
    n            integer PRIMARY KEY,
    product_id   text NOT NULL UNIQUE,
    sku          text NOT NULL UNIQUE,
    name         text NOT NULL,
    variant      text NOT NULL,
    category     text NOT NULL,
    brand        text NOT NULL,
    price        numeric(8,2) NOT NULL,
    slug         text NOT NULL,
    props        jsonb           -- Segment e-commerce product properties
);
INSERT INTO cdp_sample.products (n, product_id, sku, name, variant, category, brand, price, slug)
SELECT row_number() OVER (ORDER BY i.o, c.o),
       'P' || (10000 + i.o * 10 + c.o)::text,
       i.code || '-' || upper(left(c.colour, 3) COLLATE "C"),
       i.name, c.colour, i.category, i.brand, i.price,
       lower(replace(replace(i.name, ' ', '-'), '&', 'and') COLLATE "C") || '-' || lower(c.colour COLLATE "C")
FROM (VALUES
    (1, 'MCJ', 'Merino Crew Jumper', 'Knitwear', 'Southerly', 129.00, ARRAY['Navy','Oat','Charcoal','Rust']),
    (2, 'CCC', 'Cotton Cable Cardigan', 'Knitwear', 'Southerly', 149.00, ARRAY['Oat','Olive','Black']),
    (3, 'LNS', 'Linen Shirt', 'Shirts', 'Wattle & Stone', 89.95, ARRAY['White','Sand','Navy','Olive']),
    (4, 'OXS', 'Oxford Shirt', 'Shirts', 'Wattle & Stone', 79.95, ARRAY['White','Blue']),
    (5, 'OCT', 'Organic Cotton Tee', 'Tees', 'Wattle & Stone', 39.95, ARRAY['White','Black','Navy','Sand','Olive']),
    (6, 'SLC', 'Slim Chino', 'Pants', 'Saltbush', 99.95, ARRAY['Sand','Navy','Olive']),
    (7, 'DNJ', 'Denim Jacket', 'Jackets', 'Saltbush', 149.00, ARRAY['Indigo','Black']),
    (8, 'RSJ', 'Rain Shell Jacket', 'Jackets', 'Southerly', 219.00, ARRAY['Black','Olive','Rust']),
    (9, 'PFV', 'Puffer Vest', 'Jackets', 'Southerly', 159.00, ARRAY['Black','Navy']),
    (10, 'WBN', 'Wool Beanie', 'Accessories', 'Southerly', 34.95, ARRAY['Charcoal','Rust','Oat']),
    (11, 'CSK', 'Cotton Socks 3-Pack', 'Accessories', 'Wattle & Stone', 24.95, ARRAY['Mixed','Black']),
    (12, 'LBT', 'Leather Belt', 'Accessories', 'Saltbush', 69.95, ARRAY['Tan','Black']),
    (13, 'CSN', 'Canvas Sneaker', 'Footwear', 'Saltbush', 89.95, ARRAY['White','Black','Navy']),
    (14, 'LCB', 'Leather Chelsea Boot', 'Footwear', 'Saltbush', 249.00, ARRAY['Tan','Black']),
    (15, 'TRR', 'Trail Runner', 'Footwear', 'Southerly', 179.95, ARRAY['Charcoal','Olive']),
    (16, 'SSD', 'Slide Sandal', 'Footwear', 'Saltbush', 49.95, ARRAY['Black','Sand']),
    (17, 'LSS', 'Linen Sheet Set', 'Bedding', 'Wattle & Stone Home', 199.00, ARRAY['White','Sand','Sage','Charcoal']),
    (18, 'WTH', 'Wool Throw', 'Bedding', 'Wattle & Stone Home', 149.00, ARRAY['Oat','Rust']),
    (19, 'WBT', 'Waffle Bath Towel', 'Bath', 'Wattle & Stone Home', 44.95, ARRAY['White','Sage','Sand']),
    (20, 'SMG', 'Stoneware Mug', 'Kitchen', 'Kiln & Co', 19.95, ARRAY['Speckle','Sage','Charcoal']),
    (21, 'CIS', 'Cast Iron Skillet', 'Kitchen', 'Kiln & Co', 89.95, ARRAY['Black']),
    (22, 'GCR', 'Glass Carafe', 'Kitchen', 'Kiln & Co', 39.95, ARRAY['Clear']),
    (23, 'LTT', 'Linen Tea Towel', 'Kitchen', 'Wattle & Stone Home', 16.95, ARRAY['Sage','Rust','Stripe']),
    (24, 'BCB', 'Bamboo Cutting Board', 'Kitchen', 'Kiln & Co', 49.95, ARRAY['Natural']),
    (25, 'CPL', 'Ceramic Planter', 'Decor', 'Kiln & Co', 54.95, ARRAY['White','Terracotta','Speckle']),
    (26, 'SSC', 'Scented Soy Candle', 'Decor', 'Wattle & Stone Home', 34.95, ARRAY['Eucalyptus','Fig','Sandalwood']),
    (27, 'CNT', 'Canvas Tote', 'Accessories', 'Wattle & Stone', 29.95, ARRAY['Natural','Black']),
    (28, 'LWL', 'Leather Wallet', 'Accessories', 'Saltbush', 79.95, ARRAY['Tan','Black']),
    (29, 'SUN', 'Polarised Sunglasses', 'Accessories', 'Southerly', 129.00, ARRAY['Tortoise','Black']),
    (30, 'INB', 'Insulated Bottle', 'Accessories', 'Southerly', 44.95, ARRAY['Sage','Black','Sand']),
    (31, 'WKB', 'Weekender Bag', 'Accessories', 'Saltbush', 229.00, ARRAY['Tan','Olive']),
    (32, 'HCR', 'Hand Cream', 'Beauty', 'Bloom Botanics', 24.95, ARRAY['Eucalyptus','Rose']),
    (33, 'LPB', 'Lip Balm', 'Beauty', 'Bloom Botanics', 9.95, ARRAY['Original']),
    (34, 'FSR', 'Face Serum', 'Beauty', 'Bloom Botanics', 59.95, ARRAY['Original']),
    (35, 'BWS', 'Body Wash', 'Beauty', 'Bloom Botanics', 19.95, ARRAY['Eucalyptus','Citrus'])
) AS i(o, code, name, category, brand, price, colours),
LATERAL unnest(i.colours) WITH ORDINALITY AS c(colour, o);
UPDATE cdp_sample.products SET props = jsonb_build_object(
    'product_id', product_id, 'sku', sku, 'name', name, 'variant', variant,
    'category', category, 'brand', brand, 'price', price,
    'url', 'https://www.wattleandstone.example/products/' || slug,
    'image_url', 'https://cdn.wattleandstone.example/img/' || lower(sku COLLATE "C") || '.jpg');

-- Categories with the products a listing page shows first.
CREATE TABLE cdp_sample.categories (
    category text PRIMARY KEY,
    slug     text NOT NULL,
    listing  jsonb NOT NULL
);
INSERT INTO cdp_sample.categories
SELECT p.category, lower(p.category COLLATE "C"),
       jsonb_agg(jsonb_build_object('product_id', p.product_id, 'sku', p.sku, 'name', p.name,
                                    'price', p.price, 'position', p.pos) ORDER BY p.pos)
           FILTER (WHERE p.pos <= 4)
FROM (SELECT products.*, row_number() OVER (PARTITION BY category ORDER BY n) AS pos
      FROM cdp_sample.products) p
GROUP BY p.category;

-- Cumulative slices [lo, hi) of 0..99 for the weighted tables.
UPDATE cdp_sample.cultures t SET lo = s.hi - t.weight, hi = s.hi
FROM (SELECT culture, sum(weight) OVER (ORDER BY culture) AS hi FROM cdp_sample.cultures) s
WHERE s.culture = t.culture;
UPDATE cdp_sample.cities t SET lo = s.hi - t.weight, hi = s.hi
FROM (SELECT n, sum(weight) OVER (ORDER BY n) AS hi FROM cdp_sample.cities) s
WHERE s.n = t.n;
UPDATE cdp_sample.email_domains t SET lo = s.hi - t.weight, hi = s.hi
FROM (SELECT n, sum(weight) OVER (ORDER BY n) AS hi FROM cdp_sample.email_domains) s
WHERE s.n = t.n;
UPDATE cdp_sample.user_agents t SET lo = s.hi - t.weight, hi = s.hi
FROM (SELECT n, sum(weight) OVER (ORDER BY n) AS hi FROM cdp_sample.user_agents) s
WHERE s.n = t.n;
UPDATE cdp_sample.devices t SET lo = s.hi - t.weight, hi = s.hi
FROM (SELECT n, sum(weight) OVER (PARTITION BY platform ORDER BY n) AS hi FROM cdp_sample.devices) s
WHERE s.n = t.n;

DO $$
BEGIN
    IF (SELECT sum(weight) FROM cdp_sample.cultures) <> 100
       OR (SELECT sum(weight) FROM cdp_sample.cities) <> 100
       OR (SELECT sum(weight) FROM cdp_sample.email_domains) <> 100
       OR (SELECT sum(weight) FROM cdp_sample.user_agents) <> 100
       OR EXISTS (SELECT FROM cdp_sample.devices GROUP BY platform HAVING sum(weight) <> 100) THEN
        RAISE EXCEPTION 'cdp_sample: weights of a reference table do not add up to 100';
    END IF;
END
$$;

-------------------------------------------------------------------------------
-- Deterministic draws.  Every helper below is a one-expression SQL function
-- that the planner inlines.  A draw is hashint8extended(purpose, h), where h
-- is the hash of everything the draw belongs to, a tree of salts:
--   salt = h(seed, 7001); person hp = h(h(salt, 1), person);
--   web session h(h(hp, 200), j), its step h(session, 1000 + step), its
--   event h(step, 100 + sub); app sessions under h(hp, 300); receipts
--   under h(hp, 400); CRM records under h(hp, 500).
-- Purposes below 100 belong to sessions and steps, 101-599 to the person.
-- hash_uint32_extended is plain integer arithmetic, so the values are the
-- same on every platform; floats only meet IEEE 754 +, * and /, which
-- round alike everywhere.
-------------------------------------------------------------------------------

-- The hash of k under salt h: the salt of the next level down.
CREATE FUNCTION cdp_sample._h(h bigint, k bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT pg_catalog.hashint8extended(k, h)';

-- A uniform integer in [0, n) for purpose k under h.
CREATE FUNCTION cdp_sample._n(h bigint, k bigint, n bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT (pg_catalog.hashint8extended(k, h) & 9223372036854775807) % n';

-- A uniform float8 in [0, 1) for purpose k under h (53 exact bits).
CREATE FUNCTION cdp_sample._u(h bigint, k bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT ((pg_catalog.hashint8extended(k, h) >> 11) & 9007199254740991)::double precision
           / 9007199254740992::double precision';

-- 16 lower-case hex digits of h.
CREATE FUNCTION cdp_sample._hex(h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT pg_catalog.lpad(pg_catalog.to_hex(h), 16, ''0'')';

-- A version 4 UUID made of the hashes a and b.
CREATE FUNCTION cdp_sample._uuid2(a bigint, b bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT substr(cdp_sample._hex(a), 1, 8) || '-' || substr(cdp_sample._hex(a), 9, 4)
            || '-4' || substr(cdp_sample._hex(a), 14, 3)
            || '-' || substr('89ab', (b & 3)::integer + 1, 1) || substr(cdp_sample._hex(b), 2, 3)
            || '-' || substr(cdp_sample._hex(b), 5, 12)$$;

-- A version 4 UUID drawn under h.
CREATE FUNCTION cdp_sample._uuid(h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT cdp_sample._uuid2(cdp_sample._h(h, 1), cdp_sample._h(h, 2))';

-- ISO 8601 UTC text with milliseconds of ms since the Unix epoch.  The
-- arithmetic is on timestamp without time zone, so TimeZone plays no part.
CREATE FUNCTION cdp_sample._iso(ms bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$SELECT pg_catalog.to_char(timestamp '1970-01-01 00:00:00' + ms * interval '1 millisecond',
                               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')$$;

-- A local hour of day (0-23) drawn from percentile x (0-99) of a daily
-- profile: 1 web, 2 mobile app, 3 store opening hours, 4 CRM office hours
-- and the nightly sync at 02:00.
CREATE FUNCTION cdp_sample._hour(profile integer, x bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE profile
    WHEN 1 THEN ('{0,1,6,7,7,8,8,8,9,9,9,9,10,10,10,10,10,11,11,11,11,11,12,12,12,12,12,12,12,13,13,13,13,13,14,14,14,14,14,15,15,15,15,15,16,16,16,16,16,17,17,17,17,17,17,18,18,18,18,18,18,18,18,19,19,19,19,19,19,19,19,19,20,20,20,20,20,20,20,20,20,20,21,21,21,21,21,21,21,21,21,21,22,22,22,22,22,22,23,23}'::integer[])[x + 1]
    WHEN 2 THEN ('{0,0,1,2,6,7,7,7,8,8,8,8,9,9,9,9,10,10,10,10,11,11,11,11,11,12,12,12,12,12,12,12,13,13,13,13,13,13,14,14,14,14,15,15,15,15,16,16,16,16,17,17,17,17,17,18,18,18,18,18,18,19,19,19,19,19,19,19,19,20,20,20,20,20,20,20,20,20,20,21,21,21,21,21,21,21,21,21,21,22,22,22,22,22,22,22,22,23,23,23}'::integer[])[x + 1]
    WHEN 3 THEN ('{9,9,9,9,10,10,10,10,10,10,10,11,11,11,11,11,11,11,11,11,12,12,12,12,12,12,12,12,12,12,12,13,13,13,13,13,13,13,13,13,13,13,13,14,14,14,14,14,14,14,14,14,14,15,15,15,15,15,15,15,15,15,16,16,16,16,16,16,16,16,16,17,17,17,17,17,17,17,17,17,18,18,18,18,18,18,18,18,19,19,19,19,19,19,19,20,20,20,20,20}'::integer[])[x + 1]
    ELSE ('{2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,8,8,8,8,8,8,9,9,9,9,9,9,9,9,9,10,10,10,10,10,10,10,10,10,11,11,11,11,11,11,11,11,11,12,12,12,12,12,12,13,13,13,13,13,13,13,13,13,14,14,14,14,14,14,14,14,14,15,15,15,15,15,15,15,15,15,16,16,16,16,16,16,17,17,17,17,18,18}'::integer[])[x + 1]
    END$$;

-- When occurrence j of n happens (ms since the epoch): on a day of its own
-- slice of the days [d0, d1) of the 90-day window starting at start_ms, at
-- an hour of the profile in Australian eastern time (UTC+10), and never
-- later than two hours before the end of the window.
CREATE FUNCTION cdp_sample._when(h bigint, start_ms bigint, d0 integer, d1 integer,
                                 n integer, j integer, profile integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT start_ms
    + (d0 + ((j - 1) * 1000 + cdp_sample._n(h, 1, 1000)) * (d1 - d0) / (n * 1000)) * 86400000
    + LEAST(((cdp_sample._hour(profile, cdp_sample._n(h, 2, 100)) + 14) % 24) * 3600000
                + cdp_sample._n(h, 3, 3600000),
            7776000000 - 7200000
                - (d0 + ((j - 1) * 1000 + cdp_sample._n(h, 1, 1000)) * (d1 - d0) / (n * 1000)) * 86400000)$$;

-- Start of web session j of a person (also used for the sign-up time).
CREATE FUNCTION cdp_sample._web_start(hp bigint, j integer, n integer, d0 integer, d1 integer,
                                      start_ms bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT cdp_sample._when(cdp_sample._h(cdp_sample._h(cdp_sample._h(hp, 200), j), 2),
                            start_ms, d0, d1, n, j, 1)';

-- Time of store visit r of a person (also used for the loyalty sign-up).
CREATE FUNCTION cdp_sample._pos_start(hp bigint, r integer, n integer, d0 integer, d1 integer,
                                      start_ms bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT cdp_sample._when(cdp_sample._h(cdp_sample._h(cdp_sample._h(hp, 400), r), 1),
                            start_ms, d0, d1, n, r, 3)';

-- x mapped one-to-one onto [0, modulus) (mult is coprime to modulus), so
-- account numbers, phones and receipts never collide between people.
CREATE FUNCTION cdp_sample._bij(x bigint, mult bigint, modulus bigint, h bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT (x * mult + (h & 9223372036854775807) % modulus) % modulus';

-- The lower-case ASCII letters and digits of s (for e-mail addresses).
CREATE FUNCTION cdp_sample._slug(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT regexp_replace(lower(s COLLATE "C"), '[^a-z0-9]+', '', 'g')$$;

-- s with one typing error drawn under h: a dropped, doubled, swapped or
-- substituted (keyboard neighbour) letter, never the first one.
CREATE FUNCTION cdp_sample._typo(s text, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE
    WHEN length(s) < 4 THEN s
    WHEN cdp_sample._n(h, 1, 4) = 1
        THEN left(s, 2 + cdp_sample._n(h, 2, length(s) - 2)::integer)
             || substr(s, 2 + cdp_sample._n(h, 2, length(s) - 2)::integer)
    WHEN cdp_sample._n(h, 1, 4) = 2
        THEN left(s, 1 + cdp_sample._n(h, 2, length(s) - 2)::integer)
             || substr(s, 3 + cdp_sample._n(h, 2, length(s) - 2)::integer, 1)
             || substr(s, 2 + cdp_sample._n(h, 2, length(s) - 2)::integer, 1)
             || substr(s, 4 + cdp_sample._n(h, 2, length(s) - 2)::integer)
    WHEN cdp_sample._n(h, 1, 4) = 3
         AND translate(substr(s, 2 + cdp_sample._n(h, 2, length(s) - 2)::integer, 1),
                       'qwertyuiopasdfghjklzxcvbnm', 'wertyuiopoasdfghjklkxcvbnmn')
             <> substr(s, 2 + cdp_sample._n(h, 2, length(s) - 2)::integer, 1)
        THEN left(s, 1 + cdp_sample._n(h, 2, length(s) - 2)::integer)
             || translate(substr(s, 2 + cdp_sample._n(h, 2, length(s) - 2)::integer, 1),
                          'qwertyuiopasdfghjklzxcvbnm', 'wertyuiopoasdfghjklkxcvbnmn')
             || substr(s, 3 + cdp_sample._n(h, 2, length(s) - 2)::integer)
    ELSE left(s, 1 + cdp_sample._n(h, 2, length(s) - 2)::integer)
         || substr(s, 3 + cdp_sample._n(h, 2, length(s) - 2)::integer)
    END$$;

-- An e-mail address as a person or a clerk typed it.  style: 0 as is,
-- 1 Title.Case@Domain.Com, 2 first letter capitalised (phone keyboards),
-- 3 upper case, 4 trailing space, 5 leading space, 6 space before the @.
CREATE FUNCTION cdp_sample._email_fmt(e text, style integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE style
    WHEN 1 THEN initcap(e COLLATE "C")
    WHEN 2 THEN upper(left(e, 1) COLLATE "C") || substr(e, 2)
    WHEN 3 THEN upper(e COLLATE "C")
    WHEN 4 THEN e || ' '
    WHEN 5 THEN ' ' || e
    WHEN 6 THEN replace(e, '@', ' @')
    ELSE e END$$;

-- The e-mail style a source uses at percentile x: 1 web, 2 app, 3 POS, 4 CRM.
CREATE FUNCTION cdp_sample._email_style(source integer, x bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE source
    WHEN 1 THEN CASE WHEN x < 88 THEN 0 WHEN x < 94 THEN 1 WHEN x < 97 THEN 2 WHEN x < 99 THEN 4 ELSE 6 END
    WHEN 2 THEN CASE WHEN x < 88 THEN 0 WHEN x < 98 THEN 2 ELSE 4 END
    WHEN 3 THEN CASE WHEN x < 82 THEN 0 WHEN x < 94 THEN 3 WHEN x < 98 THEN 4 ELSE 5 END
    ELSE CASE WHEN x < 78 THEN 0 WHEN x < 86 THEN 1 WHEN x < 91 THEN 3 WHEN x < 95 THEN 4
              WHEN x < 98 THEN 5 ELSE 6 END
    END$$;

-- An Australian mobile number p ('4' and eight digits) written in a style:
-- 1 '+61 412 345 678', 2 '+61412345678', 3 '0412 345 678', 4 '0412345678',
-- 5 '0412-345-678', 6 '0412.345.678', 7 '(04) 1234 5678', 8 '61412345678',
-- 9 '+61 (0)412 345 678', 10 '0061 412 345 678'.
CREATE FUNCTION cdp_sample._phone_fmt(p text, style integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE style
    WHEN 1 THEN '+61 ' || substr(p, 1, 3) || ' ' || substr(p, 4, 3) || ' ' || substr(p, 7, 3)
    WHEN 2 THEN '+61' || p
    WHEN 3 THEN '0' || substr(p, 1, 3) || ' ' || substr(p, 4, 3) || ' ' || substr(p, 7, 3)
    WHEN 4 THEN '0' || p
    WHEN 5 THEN '0' || substr(p, 1, 3) || '-' || substr(p, 4, 3) || '-' || substr(p, 7, 3)
    WHEN 6 THEN '0' || substr(p, 1, 3) || '.' || substr(p, 4, 3) || '.' || substr(p, 7, 3)
    WHEN 7 THEN '(0' || substr(p, 1, 1) || ') ' || substr(p, 2, 4) || ' ' || substr(p, 6, 4)
    WHEN 8 THEN '61' || p
    WHEN 9 THEN '+61 (0)' || substr(p, 1, 3) || ' ' || substr(p, 4, 3) || ' ' || substr(p, 7, 3)
    ELSE '0061 ' || substr(p, 1, 3) || ' ' || substr(p, 4, 3) || ' ' || substr(p, 7, 3)
    END$$;

-- The phone style a source uses at percentile x: 1 web, 2 app, 3 POS, 4 CRM.
CREATE FUNCTION cdp_sample._phone_style(source integer, x bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT CASE source
    WHEN 1 THEN CASE WHEN x < 20 THEN 1 WHEN x < 30 THEN 2 WHEN x < 65 THEN 3 WHEN x < 90 THEN 4
                     WHEN x < 94 THEN 5 WHEN x < 96 THEN 6 WHEN x < 98 THEN 7 WHEN x < 99 THEN 8
                     ELSE 9 END
    WHEN 2 THEN CASE WHEN x < 70 THEN 2 WHEN x < 90 THEN 1 ELSE 3 END
    WHEN 3 THEN CASE WHEN x < 60 THEN 4 WHEN x < 90 THEN 3 WHEN x < 95 THEN 5 ELSE 6 END
    ELSE CASE WHEN x < 25 THEN 1 WHEN x < 50 THEN 3 WHEN x < 65 THEN 4 WHEN x < 75 THEN 5
              WHEN x < 80 THEN 6 WHEN x < 88 THEN 7 WHEN x < 92 THEN 8 WHEN x < 96 THEN 9
              ELSE 10 END
    END$$;

-- Rejects arguments the generator cannot honour.
CREATE FUNCTION cdp_sample._check(people integer, seed integer, reference timestamptz)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF people IS NULL OR people < 1 OR people > 1000000 THEN
        RAISE EXCEPTION 'people must be between 1 and 1000000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF seed IS NULL THEN
        RAISE EXCEPTION 'seed must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF reference IS NULL OR NOT isfinite(reference)
       OR reference < timestamptz '1971-01-01 00:00:00+00' THEN
        RAISE EXCEPTION 'reference must be a finite time after 1971'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN true;
END
$$;

-------------------------------------------------------------------------------
-- The people: who they are and how they behave on each channel.  Person n
-- depends only on (seed, n), never on how many people are generated.
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_sample._persons(people integer, seed integer, reference timestamptz)
RETURNS TABLE (
    person integer, hp bigint, salt bigint, start_ms bigint,
    given text, given_ascii text, surname text, surname_ascii text,
    email text, work_email text, phone text, user_id text, account_new boolean,
    birthday date, street text, city text, state text, postcode text, timezone text,
    locale text, home_store integer, plan text, opt_in boolean,
    d0 integer, d1 integer,
    n_web integer, n_browsers integer, web_login integer, signup_ms bigint,
    n_app integer, n_installs integer, reinstall boolean, platform text,
    app_d0 integer, app_installed boolean,
    n_pos integer, member boolean, member_new boolean, loyalty_id text, pos_email text,
    member_since_ms bigint,
    in_crm boolean, crm_contact text, crm_versions integer, crm_dup_contact text)
LANGUAGE sql STABLE PARALLEL SAFE
ROWS 10000
SET jit = off       -- also keeps it from being inlined into callers' plans
AS $fn$
WITH k AS (
    SELECT cdp_sample._h(_persons.seed, 7001) AS salt,
           (extract(epoch FROM _persons.reference) * 1000)::bigint - 7776000000 AS start_ms,
           (_persons.reference AT TIME ZONE 'UTC')::date AS ref_date
),
nc AS (
    SELECT n.culture, n.kind, count(*)::integer AS cnt
    FROM cdp_sample.names n GROUP BY n.culture, n.kind
),
a AS MATERIALIZED (     -- the person's draws (purposes 101-199)
    SELECT g.person, h.hp, k.salt, k.start_ms, k.ref_date,
           cdp_sample._n(h.hp, 101, 100) AS x_culture,
           cdp_sample._u(h.hp, 102) AS u_given,
           cdp_sample._u(h.hp, 103) AS u_surname,
           cdp_sample._n(h.hp, 104, 100) < 92 AS has_email0,
           cdp_sample._n(h.hp, 105, 100) < 72 AS has_phone,
           CASE WHEN cdp_sample._n(h.hp, 110, 100) < 25
                THEN cdp_sample._n(h.hp, 111, 60)::integer ELSE 0 END AS d0,
           cdp_sample._n(h.hp, 112, 100) < 15 AS churned,
           cdp_sample._n(h.hp, 120, 1000) AS x_web,
           cdp_sample._n(h.hp, 121, 1000000) AS r_web,
           cdp_sample._n(h.hp, 122, 100) AS x_browsers,
           cdp_sample._n(h.hp, 130, 100) AS x_app,
           cdp_sample._n(h.hp, 131, 1000) AS x_app_n,
           cdp_sample._n(h.hp, 132, 1000000) AS r_app,
           cdp_sample._n(h.hp, 140, 100) AS x_account,
           cdp_sample._n(h.hp, 150, 100) AS x_shopper,
           cdp_sample._n(h.hp, 151, 1000) AS x_pos_n,
           cdp_sample._n(h.hp, 152, 1000000) AS r_pos,
           cdp_sample._n(h.hp, 171, 100) AS x_city,
           cdp_sample._n(h.hp, 190, 100) AS x_pattern,
           cdp_sample._n(h.hp, 192, 100) AS x_domain
    FROM k
    CROSS JOIN generate_series(1, _persons.people) AS g(person)
    CROSS JOIN LATERAL (SELECT cdp_sample._h(cdp_sample._h(k.salt, 1), g.person) AS hp) h
),
b AS (      -- activity per channel
    SELECT a.*,
           CASE WHEN a.churned
                THEN a.d0 + 7 + cdp_sample._n(a.hp, 113, 84 - a.d0)::integer
                ELSE 90 END AS d1,
           CASE WHEN a.x_web < 150 THEN 0
                WHEN a.x_web < 720 THEN 1
                WHEN a.x_web < 890 THEN 2 + (a.r_web % 2)::integer
                WHEN a.x_web < 965 THEN 4 + (a.r_web % 5)::integer
                WHEN a.x_web < 994 THEN 9 + (a.r_web % 12)::integer
                ELSE 21 + (a.r_web % 30)::integer END AS n_web,
           CASE WHEN a.x_app >= CASE WHEN a.x_web < 150 THEN 20 ELSE 30 END THEN 0
                WHEN a.x_app_n < 500 THEN 1 + (a.r_app % 2)::integer
                WHEN a.x_app_n < 850 THEN 3 + (a.r_app % 3)::integer
                WHEN a.x_app_n < 970 THEN 6 + (a.r_app % 7)::integer
                ELSE 13 + (a.r_app % 18)::integer END AS n_app
    FROM a
),
c AS (
    SELECT b.*,
           CASE WHEN b.n_web = 0 THEN 0
                ELSE LEAST(b.n_web, CASE WHEN b.x_browsers < 70 THEN 1
                                         WHEN b.x_browsers < 92 THEN 2 ELSE 3 END) END AS n_browsers,
           CASE WHEN b.n_app > 0 THEN b.x_account < 85
                WHEN b.n_web > 0 THEN b.x_account < 62
                ELSE b.x_account < 25 END AS has_account,
           CASE WHEN b.n_web = 0 AND b.n_app = 0 THEN b.x_shopper < 90
                ELSE b.x_shopper < 38 END AS shopper
    FROM b
),
c2 AS MATERIALIZED (    -- culture, name ranks, place, mail provider
    SELECT c.*,
           cu.culture, cu.locale AS culture_locale,
           1 + floor(ncg.cnt * (c.u_given + c.u_given * c.u_given) / 2)::integer AS given_n,
           1 + floor(ncs.cnt * (c.u_surname + c.u_surname * c.u_surname) / 2)::integer AS surname_n,
           ci.city, ci.state, ci.postcode, ci.timezone, ci.store AS home_store,
           ed.domain
    FROM c
    JOIN cdp_sample.cultures cu ON c.x_culture >= cu.lo AND c.x_culture < cu.hi
    JOIN nc ncg ON ncg.culture = cu.culture AND ncg.kind = 'g'
    JOIN nc ncs ON ncs.culture = cu.culture AND ncs.kind = 's'
    JOIN cdp_sample.cities ci ON c.x_city >= ci.lo AND c.x_city < ci.hi
    JOIN cdp_sample.email_domains ed ON c.x_domain >= ed.lo AND c.x_domain < ed.hi
),
d AS (      -- names and e-mail candidates
    SELECT c2.*,
           gn.name AS given, gn.ascii AS given_ascii,
           sn.name AS surname, sn.ascii AS surname_ascii,
           c2.has_email0 OR c2.has_account AS has_email,
           c2.has_account AND c2.n_web > 0 AND cdp_sample._n(c2.hp, 141, 100) < 20 AS account_new,
           cdp_sample._slug(gn.ascii) AS g, cdp_sample._slug(sn.ascii) AS s,
           CASE WHEN NOT c2.shopper THEN 0
                WHEN c2.x_pos_n < 500 THEN 1
                WHEN c2.x_pos_n < 800 THEN 2 + (c2.r_pos % 2)::integer
                WHEN c2.x_pos_n < 950 THEN 4 + (c2.r_pos % 5)::integer
                ELSE 9 + (c2.r_pos % 12)::integer END AS n_pos,
           CASE WHEN cdp_sample._n(c2.hp, 170, 100) < 75
                THEN c2.ref_date - (18 * 365 + cdp_sample._n(c2.hp, 172, 50 * 365))::integer
                END AS birthday
    FROM c2
    JOIN cdp_sample.names gn ON gn.culture = c2.culture AND gn.kind = 'g' AND gn.n = c2.given_n
    JOIN cdp_sample.names sn ON sn.culture = c2.culture AND sn.kind = 's' AND sn.n = c2.surname_n
),
e AS (
    SELECT d.*,
           CASE WHEN d.x_pattern < 30 THEN d.g || '.' || d.s
                WHEN d.x_pattern < 42 THEN d.g || d.s
                WHEN d.x_pattern < 48 THEN d.g || '_' || d.s
                WHEN d.x_pattern < 58 THEN left(d.g, 1) || '.' || d.s
                WHEN d.x_pattern < 66 THEN d.g || left(d.s, 1) || (10 + cdp_sample._n(d.hp, 191, 90))::text
                WHEN d.x_pattern < 76 THEN d.g || coalesce(to_char(d.birthday, 'YY'),
                                                           (70 + cdp_sample._n(d.hp, 191, 30))::text)
                WHEN d.x_pattern < 81 THEN d.s || '.' || d.g
                WHEN d.x_pattern < 91 THEN d.g || '.' || d.s || (10 + cdp_sample._n(d.hp, 191, 90))::text
                ELSE left(d.g, 1) || d.s END AS local,
           (ARRAY['contoso.example', 'northwind.example', 'fabrikam.example',
                  'adatum.example', 'health.nsw.example', 'uni.example.edu.au'])
               [1 + cdp_sample._n(d.hp, 164, 6)] AS work_domain,
           d.has_email AND cdp_sample._n(d.hp, 163, 100) < 6 AS has_work_email
    FROM d
),
f AS (      -- an address is taken once: later people with the same one get a number
    SELECT e.*,
           row_number() OVER (PARTITION BY e.local, e.domain ORDER BY e.person) AS taken,
           count(*) FILTER (WHERE e.has_work_email)
               OVER (PARTITION BY e.g, e.s, e.work_domain ORDER BY e.person) AS work_taken
    FROM e
),
g AS (
    SELECT f.*,
           CASE WHEN f.has_email THEN
                CASE WHEN f.taken = 1 THEN f.local ELSE f.local || '.' || f.person::text END
                || '@' || f.domain END AS email,
           CASE WHEN f.has_account AND f.n_web > 0
                     AND (f.account_new OR cdp_sample._n(f.hp, 142, 100) < 95)
                THEN 1 + cdp_sample._n(f.hp, 143, LEAST(f.n_web, 3))::integer END AS web_login,
           f.shopper AND (f.has_email OR f.has_phone) AND cdp_sample._n(f.hp, 153, 100) < 55
               AS member
    FROM f
),
h AS (
    SELECT g.*,
           g.has_account OR g.member
               OR (g.has_email AND cdp_sample._n(g.hp, 160, 100) < 10) AS in_crm
    FROM g
)
SELECT g.person, g.hp, g.salt, g.start_ms,
       g.given, g.given_ascii, g.surname, g.surname_ascii,
       g.email,
       CASE WHEN g.has_work_email
            THEN g.g || '.' || g.s || CASE WHEN g.work_taken > 1 THEN g.work_taken::text ELSE '' END
                 || '@' || g.work_domain END AS work_email,
       CASE WHEN g.has_phone
            THEN '4' || lpad(cdp_sample._bij(g.person, 73939133, 100000000,
                                              cdp_sample._h(g.salt, 11))::text, 8, '0') END AS phone,
       CASE WHEN g.has_account
            THEN (100000000 + cdp_sample._bij(g.person, 48271, 100000000,
                                              cdp_sample._h(g.salt, 12)))::text END AS user_id,
       g.account_new,
       g.birthday,
       CASE WHEN cdp_sample._n(g.hp, 174, 100) < 20
            THEN (1 + cdp_sample._n(g.hp, 175, 30))::text || '/' ELSE '' END
       || (1 + cdp_sample._n(g.hp, 173, 180))::text || ' '
       || (SELECT st.name FROM cdp_sample.streets st
           WHERE st.n = 1 + cdp_sample._n(g.hp, 176, 40)) || ' '
       || (ARRAY['Street','Street','Street','Street','Street','Street','Street','Street','Street',
                 'Road','Road','Road','Road','Avenue','Avenue','Parade','Crescent','Lane',
                 'Drive','Place'])[1 + cdp_sample._n(g.hp, 177, 20)] AS street,
       g.city, g.state, g.postcode, g.timezone,
       CASE WHEN cdp_sample._n(g.hp, 178, 100) < 80 THEN 'en-AU'
            WHEN cdp_sample._n(g.hp, 178, 100) < 90 THEN 'en-US'
            WHEN cdp_sample._n(g.hp, 178, 100) < 94 THEN 'en-GB'
            ELSE g.culture_locale END AS locale,
       g.home_store,
       CASE WHEN cdp_sample._n(g.hp, 180, 100) < 70 THEN 'free'
            WHEN cdp_sample._n(g.hp, 180, 100) < 92 THEN 'plus' ELSE 'premium' END AS plan,
       cdp_sample._n(g.hp, 181, 100) < 55 AS opt_in,
       g.d0, g.d1,
       g.n_web, g.n_browsers, g.web_login,
       CASE WHEN g.account_new AND g.web_login IS NOT NULL
            THEN cdp_sample._web_start(g.hp, g.web_login, g.n_web, g.d0, g.d1, g.start_ms) END,
       g.n_app,
       CASE WHEN g.n_app >= 2 AND cdp_sample._n(g.hp, 133, 100) < 15 THEN 2
            WHEN g.n_app > 0 THEN 1 ELSE 0 END AS n_installs,
       cdp_sample._n(g.hp, 134, 100) < 50 AS reinstall,
       CASE WHEN g.n_app = 0 THEN NULL
            WHEN cdp_sample._n(g.hp, 135, 100) < 55 THEN 'ios' ELSE 'android' END AS platform,
       CASE WHEN cdp_sample._n(g.hp, 138, 100) < 30
            THEN g.d0 + cdp_sample._n(g.hp, 139, g.d1 - g.d0 - 1)::integer
            ELSE g.d0 END AS app_d0,
       cdp_sample._n(g.hp, 138, 100) < 30 AS app_installed,
       g.n_pos,
       g.member,
       g.member AND cdp_sample._n(g.hp, 154, 100) < 25 AS member_new,
       CASE WHEN g.member
            THEN '6014' || lpad(cdp_sample._bij(g.person, 7919, 100000000,
                                                 cdp_sample._h(g.salt, 13))::text, 8, '0') END,
       CASE WHEN g.member AND cdp_sample._n(g.hp, 155, 100) < 4
            THEN (ARRAY['test@test.com', 'none', 'noemail@noemail.com', 'na@na.com',
                        'no@email.com'])[1 + cdp_sample._n(g.hp, 156, 5)]
            WHEN g.member THEN g.email END AS pos_email,
       CASE WHEN g.member AND cdp_sample._n(g.hp, 154, 100) < 25
            THEN cdp_sample._pos_start(g.hp, 1, g.n_pos, g.d0, g.d1, g.start_ms)
            END AS member_since_ms,
       g.in_crm,
       CASE WHEN g.in_crm AND NOT g.has_account
            THEN 'crm-contact-' || cdp_sample._bij(2 * g.person, 104729, 10000000,
                                                    cdp_sample._h(g.salt, 14))::text END,
       CASE WHEN cdp_sample._n(g.hp, 161, 100) < 70 THEN 1
            WHEN cdp_sample._n(g.hp, 161, 100) < 92 THEN 2 ELSE 3 END AS crm_versions,
       CASE WHEN g.in_crm AND cdp_sample._n(g.hp, 162, 100) < 3
            THEN 'crm-contact-' || cdp_sample._bij(2 * g.person + 1, 104729, 10000000,
                                                    cdp_sample._h(g.salt, 14))::text END
FROM h AS g
$fn$;

-- A product number in 1..n drawn under h; popular products come first.
CREATE FUNCTION cdp_sample._product(h bigint, n bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT 1 + floor(n * (cdp_sample._u(h, 1) + cdp_sample._u(h, 1) * cdp_sample._u(h, 1)) / 2)::integer';

-- How many of a product (1-3) a shopper takes, drawn under h.
CREATE FUNCTION cdp_sample._quantity(h bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS 'SELECT 1 + (cdp_sample._n(h, 3, 100) >= 85)::integer + (cdp_sample._n(h, 3, 100) >= 97)::integer';

-- The totals of an order of products worth subtotal under a coupon (or
-- none), as Segment e-commerce properties: free shipping from $100, GST
-- (1/11 of the total) included.
CREATE FUNCTION cdp_sample._order_totals(subtotal numeric, coupon text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT jsonb_build_object(
    'subtotal', subtotal,
    'discount', round(subtotal * CASE coupon WHEN 'WELCOME10' THEN 0.10 WHEN 'SPRING15' THEN 0.15 ELSE 0 END, 2),
    'coupon', coupon,
    'revenue', subtotal - round(subtotal * CASE coupon WHEN 'WELCOME10' THEN 0.10 WHEN 'SPRING15' THEN 0.15 ELSE 0 END, 2),
    'shipping', CASE WHEN subtotal - round(subtotal * CASE coupon WHEN 'WELCOME10' THEN 0.10 WHEN 'SPRING15' THEN 0.15 ELSE 0 END, 2) >= 100
                     THEN 0.00 ELSE 9.95 END,
    'total', subtotal - round(subtotal * CASE coupon WHEN 'WELCOME10' THEN 0.10 WHEN 'SPRING15' THEN 0.15 ELSE 0 END, 2)
             + CASE WHEN subtotal - round(subtotal * CASE coupon WHEN 'WELCOME10' THEN 0.10 WHEN 'SPRING15' THEN 0.15 ELSE 0 END, 2) >= 100
                    THEN 0.00 ELSE 9.95 END,
    'tax', round((subtotal - round(subtotal * CASE coupon WHEN 'WELCOME10' THEN 0.10 WHEN 'SPRING15' THEN 0.15 ELSE 0 END, 2)
                  + CASE WHEN subtotal - round(subtotal * CASE coupon WHEN 'WELCOME10' THEN 0.10 WHEN 'SPRING15' THEN 0.15 ELSE 0 END, 2) >= 100
                         THEN 0.00 ELSE 9.95 END) / 11, 2),
    'currency', 'AUD')$$;

-------------------------------------------------------------------------------
-- Web: analytics.js on www.wattleandstone.example.  A person browses in one
-- to three browsers (one anonymousId cookie each).  Sessions are runs of
-- page views with product, listing and search events; some add to cart,
-- check out and order.  Account holders sign up or sign in (identify with
-- traits, then a userId on every later event of that browser).
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_sample._web(people integer, seed integer, reference timestamptz)
RETURNS TABLE (person integer, ts bigint, ord integer, event jsonb)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
WITH cat AS (
    SELECT count(*) AS nprod FROM cdp_sample.products
),
p AS (      -- web users, with the name they type on the site
    SELECT p.*,
           CASE WHEN p.given <> p.given_ascii AND cdp_sample._n(p.hp, 201, 100) < 40
                THEN p.given_ascii ELSE p.given END AS web_given,
           CASE WHEN p.surname <> p.surname_ascii AND cdp_sample._n(p.hp, 201, 100) < 40
                THEN p.surname_ascii ELSE p.surname END AS web_surname
    FROM cdp_sample._persons(_web.people, _web.seed, _web.reference) p
    WHERE p.n_web > 0
),
br AS MATERIALIZED (     -- browsers: the anonymousId cookie and the user agent
    SELECT p.person, b.browser,
           cdp_sample._uuid(cdp_sample._h(p.hp, 210 + b.browser)) AS anonymous_id,
           ua.user_agent, ua.ua_data, ua.width, ua.height, ua.density
    FROM p
    CROSS JOIN LATERAL generate_series(1, p.n_browsers) AS b(browser)
    JOIN cdp_sample.user_agents ua
      ON cdp_sample._n(p.hp, 220 + b.browser, 100) >= ua.lo
     AND cdp_sample._n(p.hp, 220 + b.browser, 100) < ua.hi
),
s0 AS (     -- sessions (purposes under hs)
    SELECT p.*, j.j, cdp_sample._h(cdp_sample._h(p.hp, 200), j.j) AS hs
    FROM p CROSS JOIN LATERAL generate_series(1, p.n_web) AS j(j)
),
s1 AS MATERIALIZED (
    SELECT s0.*,
           LEAST(s0.n_browsers, CASE WHEN cdp_sample._n(s0.hs, 1, 100) < 60 THEN 1
                                     WHEN cdp_sample._n(s0.hs, 1, 100) < 85 THEN 2
                                     ELSE 3 END) AS browser,
           cdp_sample._web_start(s0.hp, s0.j, s0.n_web, s0.d0, s0.d1, s0.start_ms) AS t0,
           CASE WHEN cdp_sample._n(s0.hs, 3, 100) < 50 THEN 1
                WHEN cdp_sample._n(s0.hs, 3, 100) < 95 THEN 2 + cdp_sample._n(s0.hs, 4, 4)::integer
                ELSE 7 + cdp_sample._n(s0.hs, 4, 10)::integer END AS n_browse,
           CASE WHEN cdp_sample._n(s0.hs, 5, 100) < 84 THEN 0
                WHEN cdp_sample._n(s0.hs, 5, 100) < 92 THEN 1
                WHEN cdp_sample._n(s0.hs, 5, 100) < 95 THEN 2
                ELSE 3 END AS conv0,
           1 + (cdp_sample._n(s0.hs, 6, 100) >= 65)::integer
             + (cdp_sample._n(s0.hs, 6, 100) >= 90)::integer AS m,
           15000 + cdp_sample._n(s0.hs, 7, 90000) AS pace,
           cdp_sample._n(s0.hs, 8, 100) AS x_ref,
           cdp_sample._n(s0.hs, 9, 100) AS x_landing,
           (ARRAY[1, 14, 27, 49, 58, 101, 110, 120, 121, 124, 139, 144, 180, 203, 220])
               [1 + cdp_sample._n(s0.hs, 12, 15)]::text || '.'
               || cdp_sample._n(s0.hs, 13, 256)::text || '.'
               || cdp_sample._n(s0.hs, 14, 256)::text || '.'
               || (1 + cdp_sample._n(s0.hs, 15, 254))::text AS ip
    FROM s0
),
s2 AS (     -- a browser is signed in from its first session at or after the sign-in
    SELECT s1.*, b.anonymous_id,
           CASE WHEN s1.n_browse > 1 THEN s1.conv0 ELSE 0 END AS conv,
           min(s1.j) FILTER (WHERE s1.j >= s1.web_login)
               OVER (PARTITION BY s1.person, s1.browser) AS first_login_j,
           jsonb_build_object(
               'library', '{"name": "analytics.js", "version": "next-1.72.0"}'::jsonb,
               'ip', s1.ip,
               'userAgent', b.user_agent,
               'userAgentData', b.ua_data,
               'locale', s1.locale,
               'timezone', s1.timezone,
               'screen', jsonb_build_object('width', b.width, 'height', b.height,
                                            'density', b.density)) AS context
    FROM s1
    JOIN br b ON b.person = s1.person AND b.browser = s1.browser
),
s3 AS (
    SELECT s2.*,
           CASE WHEN s2.conv > 0 THEN GREATEST(s2.n_browse, s2.m + 1) ELSE s2.n_browse END AS n_steps,
           CASE WHEN s2.j = s2.web_login THEN 1 + cdp_sample._n(s2.hs, 10, s2.n_browse)::integer
                WHEN s2.j = s2.first_login_j THEN 1 END AS login_step,
           coalesce(s2.j > s2.first_login_j, false) AS prior,
           coalesce(s2.j > s2.first_login_j, false) AND cdp_sample._n(s2.hs, 11, 100) < 40 AS reident,
           s2.account_new AND s2.j = s2.web_login AS signup,
           CASE WHEN s2.x_ref < 76 OR s2.x_ref >= 90 OR cdp_sample._n(s2.hs, 16, 2) = 0
                THEN NULL
                WHEN s2.x_ref < 82 THEN 'facebook' ELSE 'instagram' END AS social_utm,
           (ARRAY['spring_sale_2026', 'new_arrivals_oct', 'linen_edit', 'fathers_day_2026',
                  'winback_60d', 'vip_preview'])[1 + cdp_sample._n(s2.hs, 17, 6)] AS campaign_name,
           CASE WHEN cdp_sample._n(s2.hs, 22, 100) < 12 THEN 'WELCOME10'
                WHEN cdp_sample._n(s2.hs, 22, 100) < 18 THEN 'SPRING15' END AS coupon,
           'WS-' || lpad(cdp_sample._bij(s2.person * 256 + s2.j, 1000003, 1000000000,
                                          cdp_sample._h(s2.salt, 15))::text, 9, '0') AS order_id,
           cdp_sample._uuid(cdp_sample._h(s2.hs, 20)) AS cart_id,
           cdp_sample._uuid(cdp_sample._h(s2.hs, 21)) AS checkout_id
    FROM s2
),
s4 AS MATERIALIZED (     -- the cart of converting sessions: the products added at steps 2..m+1
    SELECT s3.*, cart.products, cart.subtotal,
           CASE WHEN s3.x_ref < 40 THEN ''
                WHEN s3.x_ref < 70 THEN 'https://www.google.com/'
                WHEN s3.x_ref < 76 THEN 'https://www.google.com.au/'
                WHEN s3.x_ref < 82 THEN 'https://l.facebook.com/'
                WHEN s3.x_ref < 88 THEN 'https://l.instagram.com/'
                WHEN s3.x_ref < 90 THEN 'https://www.bing.com/'
                ELSE '' END AS landing_referrer,
           CASE WHEN s3.x_ref >= 90
                THEN jsonb_build_object('name', s3.campaign_name, 'source', 'newsletter', 'medium', 'email')
                WHEN s3.social_utm IS NOT NULL
                THEN jsonb_build_object('name', s3.campaign_name, 'source', s3.social_utm,
                                        'medium', 'paid_social') END AS campaign
    FROM s3
    CROSS JOIN cat
    CROSS JOIN LATERAL (
        SELECT jsonb_agg(pr.props || jsonb_build_object('quantity', cdp_sample._quantity(h.hst),
                                                        'position', i.i - 1)
                         ORDER BY i.i) AS products,
               sum(pr.price * cdp_sample._quantity(h.hst)) AS subtotal
        FROM generate_series(2, CASE WHEN s3.conv > 0 THEN s3.m + 1 ELSE 1 END) AS i(i)
        CROSS JOIN LATERAL (SELECT cdp_sample._h(s3.hs, 1000 + i.i) AS hst) h
        JOIN cdp_sample.products pr ON pr.n = cdp_sample._product(h.hst, cat.nprod)
    ) cart
),
st AS (     -- steps: the pages of a session
    SELECT s.*, stp.step, h.hst, pr.name AS prod_name, pr.slug AS prod_slug, pr.props AS prod_props,
           ca.category, ca.slug AS cat_slug, ca.listing,
           (ARRAY['linen', 'merino jumper', 'boots', 'gift for him', 'candle', 'mug',
                  'white sneakers', 'rain jacket', 'towels', 'sale', 'sheets', 'tote',
                  'skillet', 'sunglasses', 'socks', 'planter', 'serum', 'throw',
                  'beanie', 'belt'])[1 + cdp_sample._n(h.hst, 4, 20)] AS term,
           CASE WHEN stp.step > s.n_steps
                    THEN (ARRAY['cart', 'checkout', 'confirmation'])[stp.step - s.n_steps]
                WHEN s.conv > 0 AND stp.step BETWEEN 2 AND s.m + 1 THEN 'product'
                WHEN stp.step = 1 THEN
                    CASE WHEN s.x_landing < 35 THEN 'home'
                         WHEN s.x_landing < 55 THEN 'category'
                         WHEN s.x_landing < 85 THEN 'product'
                         WHEN s.x_landing < 90 THEN 'search'
                         ELSE 'journal' END
                WHEN cdp_sample._n(h.hst, 2, 100) < 50 THEN 'product'
                WHEN cdp_sample._n(h.hst, 2, 100) < 75 THEN 'category'
                WHEN cdp_sample._n(h.hst, 2, 100) < 87 THEN 'search'
                WHEN cdp_sample._n(h.hst, 2, 100) < 95 THEN 'home'
                WHEN s.prior OR stp.step > s.login_step THEN 'account'
                ELSE 'journal' END AS role
    FROM s4 s
    CROSS JOIN cat
    CROSS JOIN LATERAL generate_series(1, s.n_steps + s.conv) AS stp(step)
    CROSS JOIN LATERAL (SELECT cdp_sample._h(s.hs, 1000 + stp.step) AS hst) h
    JOIN cdp_sample.products pr ON pr.n = cdp_sample._product(h.hst, cat.nprod)
    JOIN cdp_sample.categories ca ON ca.category = pr.category
),
pg AS MATERIALIZED (     -- where each page is
    SELECT st.*,
           CASE st.role
               WHEN 'home' THEN '/'
               WHEN 'category' THEN '/collections/' || st.cat_slug
               WHEN 'product' THEN '/products/' || st.prod_slug
               WHEN 'search' THEN '/search'
               WHEN 'journal' THEN '/journal/' || (ARRAY['caring-for-linen', 'spring-layers',
                   'the-merino-guide', 'hosting-at-home', 'meet-the-makers'])[1 + cdp_sample._n(st.hst, 5, 5)]
               WHEN 'account' THEN '/account'
               WHEN 'cart' THEN '/cart'
               WHEN 'checkout' THEN '/checkout'
               ELSE '/checkout/thank-you' END AS path,
           CASE WHEN st.role = 'search' THEN '?q=' || replace(st.term, ' ', '+') ELSE '' END
           || CASE WHEN st.step > 1 OR st.campaign IS NULL THEN ''
                   ELSE CASE WHEN st.role = 'search' THEN '&' ELSE '?' END
                        || 'utm_source=' || (st.campaign->>'source')
                        || '&utm_medium=' || (st.campaign->>'medium')
                        || '&utm_campaign=' || (st.campaign->>'name') END AS search,
           CASE st.role
               WHEN 'home' THEN 'Wattle & Stone | Clothing and Homewares'
               WHEN 'category' THEN st.category || ' | Wattle & Stone'
               WHEN 'product' THEN st.prod_name || ' | Wattle & Stone'
               WHEN 'search' THEN 'Search: ' || st.term || ' | Wattle & Stone'
               WHEN 'journal' THEN 'Journal | Wattle & Stone'
               WHEN 'account' THEN 'My Account | Wattle & Stone'
               WHEN 'cart' THEN 'Your Cart | Wattle & Stone'
               WHEN 'checkout' THEN 'Checkout | Wattle & Stone'
               ELSE 'Thank you for your order | Wattle & Stone' END AS title,
           CASE st.role
               WHEN 'home' THEN 'Home'
               WHEN 'category' THEN 'Collection'
               WHEN 'product' THEN 'Product'
               WHEN 'search' THEN 'Search Results'
               WHEN 'journal' THEN 'Journal Article'
               WHEN 'account' THEN 'Account'
               WHEN 'cart' THEN 'Cart'
               WHEN 'checkout' THEN 'Checkout'
               ELSE 'Order Confirmation' END AS page_name
    FROM st
),
pr AS (     -- the referrer of a page is the page before it
    SELECT pg.*,
           coalesce('https://www.wattleandstone.example' || prev.path || prev.search,
                    pg.landing_referrer) AS referrer
    FROM pg
    LEFT JOIN pg prev ON prev.person = pg.person AND prev.j = pg.j AND prev.step = pg.step - 1
),
ev AS (     -- events: 1 sign-in page, 2 identify, 3 signed in/up, 4 page, 5 page's track, 6 add to cart
    SELECT pr.*, sb.sub, cdp_sample._h(pr.hst, 100 + sb.sub) AS he,
           pr.prior OR (pr.login_step IS NOT NULL
                        AND (pr.step > pr.login_step OR (pr.step = pr.login_step AND sb.sub >= 2))) AS known,
           CASE WHEN sb.sub <= 3 AND pr.step = pr.login_step
                THEN jsonb_build_object(
                    'path', CASE WHEN pr.signup THEN '/account/register' ELSE '/account/login' END,
                    'referrer', pr.referrer, 'search', '',
                    'title', CASE WHEN pr.signup THEN 'Create an account' ELSE 'Sign in' END
                             || ' | Wattle & Stone',
                    'url', 'https://www.wattleandstone.example'
                           || CASE WHEN pr.signup THEN '/account/register' ELSE '/account/login' END)
                ELSE jsonb_build_object(
                    'path', pr.path, 'referrer', pr.referrer, 'search', pr.search,
                    'title', pr.title,
                    'url', 'https://www.wattleandstone.example' || pr.path || pr.search) END AS page
    FROM pr
    CROSS JOIN LATERAL (VALUES (1), (2), (3), (4), (5), (6)) AS sb(sub)
    WHERE CASE sb.sub
              WHEN 1 THEN pr.step = pr.login_step
              WHEN 2 THEN pr.step = pr.login_step OR (pr.step = 1 AND pr.reident)
              WHEN 3 THEN pr.step = pr.login_step
              WHEN 4 THEN true
              WHEN 5 THEN pr.role IN ('product', 'category', 'search', 'cart', 'checkout', 'confirmation')
              ELSE pr.conv > 0 AND pr.step BETWEEN 2 AND pr.m + 1 END
),
ev2 AS MATERIALIZED (
    SELECT ev.*,
           ev.t0 + (ev.step - 1) * ev.pace + ev.sub * (ev.pace / 8)
               + cdp_sample._n(ev.he, 1, ev.pace / 8) AS ts,
           CASE ev.sub WHEN 1 THEN 'page' WHEN 2 THEN 'identify' WHEN 4 THEN 'page'
                       ELSE 'track' END AS type,
           CASE ev.sub
               WHEN 3 THEN CASE WHEN ev.signup THEN 'Signed Up' ELSE 'Signed In' END
               WHEN 5 THEN CASE ev.role
                               WHEN 'product' THEN 'Product Viewed'
                               WHEN 'category' THEN 'Product List Viewed'
                               WHEN 'search' THEN 'Products Searched'
                               WHEN 'cart' THEN 'Cart Viewed'
                               WHEN 'checkout' THEN 'Checkout Started'
                               ELSE 'Order Completed' END
               WHEN 6 THEN 'Product Added' END AS event_name
    FROM ev
)
SELECT e.person, e.ts, (e.j * 1000 + e.step * 8 + e.sub)::integer,
       jsonb_strip_nulls(jsonb_build_object(
           'type', e.type,
           'event', e.event_name,
           'name', CASE e.sub WHEN 1 THEN CASE WHEN e.signup THEN 'Create Account' ELSE 'Sign In' END
                              WHEN 4 THEN e.page_name END,
           'messageId', 'ajs-next-' || cdp_sample._hex(e.he) || cdp_sample._hex(cdp_sample._h(e.he, 9)),
           'anonymousId', e.anonymous_id,
           'userId', CASE WHEN e.known THEN e.user_id
                          WHEN cdp_sample._n(e.he, 2, 100000) < 3 THEN 'null' END,
           'timestamp', cdp_sample._iso(e.ts),
           'sentAt', cdp_sample._iso(e.ts + 3 + cdp_sample._n(e.he, 5, 400)),
           'integrations', '{}'::jsonb,
           '_metadata', '{"bundled": ["Segment.io"], "unbundled": [], "bundledIds": []}'::jsonb,
           'context', e.context || jsonb_build_object(
               'page', e.page,
               'campaign', CASE WHEN e.step = 1 THEN e.campaign END),
           'properties', CASE
               WHEN e.type = 'page' THEN e.page
               WHEN e.sub = 3 THEN jsonb_build_object('method',
                   (ARRAY['email', 'email', 'email', 'google', 'apple'])[1 + cdp_sample._n(e.he, 6, 5)])
               WHEN e.sub = 6 THEN e.prod_props || jsonb_build_object(
                   'cart_id', e.cart_id, 'quantity', cdp_sample._quantity(e.hst), 'currency', 'AUD')
               WHEN e.role = 'product' THEN e.prod_props || '{"currency": "AUD"}'::jsonb
               WHEN e.role = 'category' THEN jsonb_build_object(
                   'list_id', e.cat_slug, 'category', e.category, 'products', e.listing)
               WHEN e.role = 'search' THEN jsonb_build_object('query', e.term)
               WHEN e.role = 'cart' THEN jsonb_build_object('cart_id', e.cart_id, 'products', e.products)
               WHEN e.role = 'checkout' THEN cdp_sample._order_totals(e.subtotal, e.coupon)
                   || jsonb_build_object('order_id', e.order_id, 'checkout_id', e.checkout_id,
                                         'products', e.products)
               WHEN e.role = 'confirmation' THEN cdp_sample._order_totals(e.subtotal, e.coupon)
                   || jsonb_build_object('order_id', e.order_id, 'checkout_id', e.checkout_id,
                                         'products', e.products) END,
           'traits', CASE WHEN e.sub = 2 THEN
               jsonb_build_object(
                   'email', cdp_sample._email_fmt(e.email,
                                cdp_sample._email_style(1, cdp_sample._n(e.he, 3, 100))),
                   'firstName', CASE WHEN e.signup OR cdp_sample._n(e.he, 4, 100) < 60 THEN
                                     CASE WHEN cdp_sample._n(e.hp, 202, 100) < 3
                                          THEN lower(e.web_given COLLATE "C") ELSE e.web_given END END,
                   'lastName', CASE WHEN (e.signup OR cdp_sample._n(e.he, 4, 100) < 60)
                                         AND cdp_sample._n(e.hp, 203, 100) >= 5 THEN e.web_surname END,
                   'phone', CASE WHEN e.signup AND cdp_sample._n(e.hp, 204, 100) < 30 THEN
                                 cdp_sample._phone_fmt(e.phone,
                                     cdp_sample._phone_style(1, cdp_sample._n(e.hp, 205, 100))) END,
                   'createdAt', CASE WHEN e.signup THEN cdp_sample._iso(e.ts) END,
                   'marketing_opt_in', CASE WHEN e.signup THEN e.opt_in END) END))
FROM ev2 e
$fn$;

-------------------------------------------------------------------------------
-- Mobile: the shopping app (analytics-swift on iOS, analytics-kotlin on
-- Android).  A person has one install, or two (a new phone, or a reinstall
-- on the same phone, which keeps context.device.id).  Each install has its
-- own anonymousId; account holders mostly sign in on the first session of
-- an install, after which every event carries the userId and the cached
-- traits (context.traits).
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_sample._mobile(people integer, seed integer, reference timestamptz)
RETURNS TABLE (person integer, ts bigint, ord integer, event jsonb)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
WITH cat AS (
    SELECT count(*) AS nprod FROM cdp_sample.products
),
p AS (
    SELECT p.*,
           (ARRAY['Telstra', 'Telstra', 'Telstra', 'Optus', 'Optus', 'Vodafone AU', 'TPG',
                  'Boost'])[1 + cdp_sample._n(p.hp, 301, 8)] AS carrier
    FROM cdp_sample._persons(_mobile.people, _mobile.seed, _mobile.reference) p
    WHERE p.n_app > 0
),
ins AS MATERIALIZED (    -- installs; a reinstall on the same phone keeps the device id
    SELECT p.person, k.k,
           CASE WHEN k.k = 2 AND NOT p.reinstall THEN 2 ELSE 1 END AS phone_no,
           cdp_sample._uuid(cdp_sample._h(p.hp, 310 + k.k)) AS anonymous_id,
           cdp_sample._uuid(cdp_sample._h(p.hp, 320 + k.k)) AS instance_id,
           p.user_id IS NOT NULL AND cdp_sample._n(p.hp, 340 + k.k, 100) < 80 AS logs_in
    FROM p CROSS JOIN LATERAL generate_series(1, p.n_installs) AS k(k)
),
ph AS MATERIALIZED (     -- phones
    SELECT p.person, n.phone_no,
           CASE WHEN p.platform = 'ios'
                THEN translate(cdp_sample._uuid(cdp_sample._h(p.hp, 302 + n.phone_no)), 'abcdef', 'ABCDEF')
                ELSE cdp_sample._hex(cdp_sample._h(p.hp, 302 + n.phone_no)) END AS device_id,
           dv.manufacturer, dv.model, dv.width, dv.height,
           dv.os_versions[1 + cdp_sample._n(p.hp, 330 + n.phone_no, 4)] AS os_version
    FROM p
    CROSS JOIN LATERAL generate_series(1, 2) AS n(phone_no)
    JOIN cdp_sample.devices dv
      ON dv.platform = p.platform
     AND cdp_sample._n(p.hp, 335 + n.phone_no, 100) >= dv.lo
     AND cdp_sample._n(p.hp, 335 + n.phone_no, 100) < dv.hi
),
s0 AS (     -- sessions
    SELECT p.*, j.j, cdp_sample._h(cdp_sample._h(p.hp, 300), j.j) AS hs,
           CASE WHEN p.n_installs = 2 THEN 1 + cdp_sample._n(p.hp, 345, p.n_app - 1)::integer END AS split
    FROM p CROSS JOIN LATERAL generate_series(1, p.n_app) AS j(j)
),
s1 AS MATERIALIZED (
    SELECT s0.*,
           CASE WHEN s0.j > s0.split THEN 2 ELSE 1 END AS k,
           s0.j = 1 OR s0.j = s0.split + 1 AS first_of_install,
           cdp_sample._when(cdp_sample._h(s0.hs, 2), s0.start_ms, s0.app_d0, s0.d1, s0.n_app, s0.j, 2) AS t0,
           1 + CASE WHEN cdp_sample._n(s0.hs, 3, 100) < 40 THEN 0
                    WHEN cdp_sample._n(s0.hs, 3, 100) < 92 THEN 1 + cdp_sample._n(s0.hs, 4, 3)::integer
                    ELSE 4 + cdp_sample._n(s0.hs, 4, 6)::integer END AS n_browse,
           CASE WHEN cdp_sample._n(s0.hs, 5, 100) < 85 THEN 0
                WHEN cdp_sample._n(s0.hs, 5, 100) < 92 THEN 1
                WHEN cdp_sample._n(s0.hs, 5, 100) < 95 THEN 2
                ELSE 3 END AS conv,
           1 + (cdp_sample._n(s0.hs, 6, 100) >= 70)::integer
             + (cdp_sample._n(s0.hs, 6, 100) >= 92)::integer AS m,
           5000 + cdp_sample._n(s0.hs, 7, 30000) AS pace,
           cdp_sample._n(s0.hs, 8, 100) < 60 AS wifi,
           CASE WHEN cdp_sample._n(s0.hs, 22, 100) < 10 THEN 'WELCOME10'
                WHEN cdp_sample._n(s0.hs, 22, 100) < 15 THEN 'SPRING15' END AS coupon,
           'WS-' || lpad(cdp_sample._bij(s0.person * 256 + 128 + s0.j, 1000003, 1000000000,
                                          cdp_sample._h(s0.salt, 15))::text, 9, '0') AS order_id,
           cdp_sample._uuid(cdp_sample._h(s0.hs, 20)) AS cart_id,
           cdp_sample._uuid(cdp_sample._h(s0.hs, 21)) AS checkout_id
    FROM s0
),
s2 AS MATERIALIZED (
    SELECT s1.*, i.anonymous_id, i.instance_id, i.logs_in, i.phone_no,
           ph.device_id, ph.manufacturer, ph.model, ph.os_version, ph.width, ph.height,
           i.logs_in AND s1.first_of_install AS login_now,
           s1.first_of_install AND (s1.k = 2 OR s1.app_installed) AS installed_now,
           CASE WHEN s1.conv > 0 THEN GREATEST(s1.n_browse, s1.m + 1) ELSE s1.n_browse END AS n_steps,
           cart.products, cart.subtotal
    FROM s1
    JOIN ins i ON i.person = s1.person AND i.k = s1.k
    JOIN ph ON ph.person = s1.person AND ph.phone_no = i.phone_no
    CROSS JOIN cat
    CROSS JOIN LATERAL (
        SELECT jsonb_agg(pr.props || jsonb_build_object('quantity', cdp_sample._quantity(h.hst),
                                                        'position', i.i - 1)
                         ORDER BY i.i) AS products,
               sum(pr.price * cdp_sample._quantity(h.hst)) AS subtotal
        FROM generate_series(2, CASE WHEN s1.conv > 0 THEN s1.m + 1 ELSE 1 END) AS i(i)
        CROSS JOIN LATERAL (SELECT cdp_sample._h(s1.hs, 1000 + i.i) AS hst) h
        JOIN cdp_sample.products pr ON pr.n = cdp_sample._product(h.hst, cat.nprod)
    ) cart
),
st AS MATERIALIZED (     -- steps: the screens of a session
    SELECT s.*, stp.step, h.hst, pr.props AS prod_props, pr.product_id, pr.name AS prod_name,
           ca.category, ca.slug AS cat_slug, ca.listing,
           (ARRAY['linen', 'merino jumper', 'boots', 'gift for him', 'candle', 'mug',
                  'white sneakers', 'rain jacket', 'towels', 'sale', 'sheets', 'tote',
                  'skillet', 'sunglasses', 'socks', 'planter', 'serum', 'throw',
                  'beanie', 'belt'])[1 + cdp_sample._n(h.hst, 4, 20)] AS term,
           CASE WHEN stp.step > s.n_steps
                    THEN (ARRAY['cart', 'checkout', 'confirmation'])[stp.step - s.n_steps]
                WHEN stp.step = 1 THEN 'home'
                WHEN s.conv > 0 AND stp.step BETWEEN 2 AND s.m + 1 THEN 'product'
                WHEN cdp_sample._n(h.hst, 2, 100) < 45 THEN 'product'
                WHEN cdp_sample._n(h.hst, 2, 100) < 70 THEN 'category'
                WHEN cdp_sample._n(h.hst, 2, 100) < 80 THEN 'search'
                WHEN cdp_sample._n(h.hst, 2, 100) < 95 OR NOT s.logs_in THEN 'home'
                ELSE 'account' END AS role
    FROM s2 s
    CROSS JOIN cat
    CROSS JOIN LATERAL generate_series(1, s.n_steps + s.conv) AS stp(step)
    CROSS JOIN LATERAL (SELECT cdp_sample._h(s.hs, 1000 + stp.step) AS hst) h
    JOIN cdp_sample.products pr ON pr.n = cdp_sample._product(h.hst, cat.nprod)
    JOIN cdp_sample.categories ca ON ca.category = pr.category
),
ev AS (     -- 1 installed, 2 opened, 3 identify, 4 signed in, 5 screen, 6 screen's track, 7 add to cart
    SELECT st.*, sb.sub, cdp_sample._h(st.hst, 100 + sb.sub) AS he,
           st.logs_in AND (NOT st.first_of_install OR st.step > 1 OR sb.sub >= 3) AS known,
           st.t0 + (st.step - 1) * st.pace + sb.sub * (st.pace / 8)
               + cdp_sample._n(cdp_sample._h(st.hst, 100 + sb.sub), 1, st.pace / 8) AS ts
    FROM st
    CROSS JOIN LATERAL (VALUES (1), (2), (3), (4), (5), (6), (7)) AS sb(sub)
    WHERE CASE sb.sub
              WHEN 1 THEN st.step = 1 AND st.installed_now
              WHEN 2 THEN st.step = 1
              WHEN 3 THEN st.step = 1 AND st.login_now
              WHEN 4 THEN st.step = 1 AND st.login_now
              WHEN 5 THEN true
              WHEN 6 THEN st.role IN ('product', 'category', 'search', 'cart', 'checkout', 'confirmation')
              ELSE st.conv > 0 AND st.step BETWEEN 2 AND st.m + 1 END
),
ev2 AS MATERIALIZED (
    SELECT ev.*,
           CASE WHEN (ev.ts - ev.start_ms) / 86400000 >= 45 + cdp_sample._n(ev.hp, 350, 30)
                THEN '5.14.0' ELSE '5.13.1' END AS app_version,
           CASE ev.sub WHEN 3 THEN 'identify' WHEN 5 THEN 'screen' ELSE 'track' END AS type,
           CASE ev.sub
               WHEN 1 THEN 'Application Installed'
               WHEN 2 THEN 'Application Opened'
               WHEN 4 THEN 'Signed In'
               WHEN 6 THEN CASE ev.role
                               WHEN 'product' THEN 'Product Viewed'
                               WHEN 'category' THEN 'Product List Viewed'
                               WHEN 'search' THEN 'Products Searched'
                               WHEN 'cart' THEN 'Cart Viewed'
                               WHEN 'checkout' THEN 'Checkout Started'
                               ELSE 'Order Completed' END
               WHEN 7 THEN 'Product Added' END AS event_name,
           CASE WHEN ev.sub = 5 THEN CASE ev.role
               WHEN 'home' THEN 'Home'
               WHEN 'category' THEN 'Category'
               WHEN 'product' THEN 'Product Detail'
               WHEN 'search' THEN 'Search'
               WHEN 'account' THEN 'Account'
               WHEN 'cart' THEN 'Cart'
               WHEN 'checkout' THEN 'Checkout'
               ELSE 'Order Confirmation' END END AS screen_name,
           jsonb_build_object(
               'email', cdp_sample._email_fmt(ev.email,
                            cdp_sample._email_style(2, cdp_sample._n(ev.hp, 360, 100))),
               'firstName', ev.given,
               'lastName', CASE WHEN cdp_sample._n(ev.hp, 361, 100) >= 4 THEN ev.surname END,
               'phone', CASE WHEN cdp_sample._n(ev.hp, 362, 100) < 50 THEN
                             cdp_sample._phone_fmt(ev.phone,
                                 cdp_sample._phone_style(2, cdp_sample._n(ev.hp, 363, 100))) END)
               AS app_traits
    FROM ev
)
SELECT e.person, e.ts, (e.j * 1000 + e.step * 8 + e.sub)::integer,
       jsonb_strip_nulls(jsonb_build_object(
           'type', e.type,
           'event', e.event_name,
           'name', e.screen_name,
           'messageId', CASE WHEN e.platform = 'ios'
                             THEN translate(cdp_sample._uuid(e.he), 'abcdef', 'ABCDEF')
                             ELSE cdp_sample._uuid(e.he) END,
           'anonymousId', e.anonymous_id,
           'userId', CASE WHEN e.known THEN e.user_id END,
           'timestamp', cdp_sample._iso(e.ts),
           'integrations', '{}'::jsonb,
           'context', jsonb_build_object(
               'app', jsonb_build_object(
                   'name', 'Wattle & Stone', 'version', e.app_version,
                   'build', replace(e.app_version, '.', '') || '0',
                   'namespace', 'com.wattleandstone.shop'),
               'device', jsonb_build_object(
                   'id', e.device_id, 'manufacturer', e.manufacturer, 'model', e.model,
                   'type', e.platform, 'adTrackingEnabled', false),
               'library', CASE WHEN e.platform = 'ios'
                               THEN '{"name": "analytics-swift", "version": "1.6.2"}'::jsonb
                               ELSE '{"name": "analytics-kotlin", "version": "1.16.3"}'::jsonb END,
               'locale', e.locale,
               'network', jsonb_build_object('wifi', e.wifi, 'cellular', NOT e.wifi,
                                             'carrier', e.carrier),
               'os', jsonb_build_object('name', CASE WHEN e.platform = 'ios' THEN 'iOS' ELSE 'Android' END,
                                        'version', e.os_version),
               'screen', jsonb_build_object('width', e.width, 'height', e.height),
               'timezone', e.timezone,
               'instanceId', e.instance_id,
               'traits', CASE WHEN e.known AND e.sub <> 3 THEN e.app_traits END),
           'properties', CASE e.sub
               WHEN 1 THEN jsonb_build_object('version', e.app_version,
                                              'build', replace(e.app_version, '.', '') || '0')
               WHEN 2 THEN jsonb_build_object('from_background', NOT e.first_of_install
                                                  AND cdp_sample._n(e.he, 2, 100) < 35,
                                              'version', e.app_version,
                                              'build', replace(e.app_version, '.', '') || '0')
               WHEN 4 THEN jsonb_build_object('method',
                   (ARRAY['email', 'email', 'apple', 'google'])[1 + cdp_sample._n(e.he, 6, 4)])
               WHEN 5 THEN CASE e.role
                   WHEN 'category' THEN jsonb_build_object('category', e.category)
                   WHEN 'product' THEN jsonb_build_object('product_id', e.product_id, 'name', e.prod_name)
                   WHEN 'search' THEN jsonb_build_object('query', e.term)
                   ELSE '{}'::jsonb END
               WHEN 7 THEN e.prod_props || jsonb_build_object(
                   'cart_id', e.cart_id, 'quantity', cdp_sample._quantity(e.hst), 'currency', 'AUD')
               WHEN 6 THEN CASE e.role
                   WHEN 'product' THEN e.prod_props || '{"currency": "AUD"}'::jsonb
                   WHEN 'category' THEN jsonb_build_object(
                       'list_id', e.cat_slug, 'category', e.category, 'products', e.listing)
                   WHEN 'search' THEN jsonb_build_object('query', e.term)
                   WHEN 'cart' THEN jsonb_build_object('cart_id', e.cart_id, 'products', e.products)
                   ELSE cdp_sample._order_totals(e.subtotal, e.coupon)
                        || jsonb_build_object('order_id', e.order_id, 'checkout_id', e.checkout_id,
                                              'products', e.products) END END,
           'traits', CASE WHEN e.sub = 3 THEN e.app_traits END))
FROM ev2 e
$fn$;

-------------------------------------------------------------------------------
-- Point of sale: one 'Order Completed' per receipt, anonymousId
-- 'pos-<store>-<receipt>'.  Loyalty members who show their card carry the
-- member record (loyaltyId, e-mail or phone, sometimes the name) in
-- context.traits; members who joined in the window signed up on the
-- store's shared tablet just before paying.  Two stores run their tills on
-- one shared iPad, whose device id is on every receipt there.
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_sample._pos(people integer, seed integer, reference timestamptz)
RETURNS TABLE (person integer, ts bigint, ord integer, event jsonb)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
WITH cat AS (
    SELECT count(*) AS nprod FROM cdp_sample.products
),
p AS (      -- shoppers, with their member record as the POS holds it
    SELECT p.*,
           cdp_sample._h(p.hp, 400) AS hpos,
           CASE WHEN cdp_sample._n(p.hp, 401, 100) < 20 THEN upper(x.given COLLATE "C") ELSE x.given END
               AS pos_given,
           CASE WHEN cdp_sample._n(p.hp, 401, 100) < 20 THEN upper(x.surname COLLATE "C") ELSE x.surname END
               AS pos_surname,
           cdp_sample._email_fmt(p.pos_email, cdp_sample._email_style(3, cdp_sample._n(p.hp, 402, 100)))
               AS member_email
    FROM cdp_sample._persons(_pos.people, _pos.seed, _pos.reference) p
    CROSS JOIN LATERAL (
        SELECT CASE WHEN cdp_sample._n(p.hp, 403, 100) < 5
                    THEN cdp_sample._typo(g.g, cdp_sample._h(p.hp, 404)) ELSE g.g END AS given,
               CASE WHEN cdp_sample._n(p.hp, 405, 100) < 5
                    THEN cdp_sample._typo(g.s, cdp_sample._h(p.hp, 406)) ELSE g.s END AS surname
        FROM (SELECT CASE WHEN cdp_sample._n(p.hp, 407, 100) < 60 THEN p.given_ascii ELSE p.given END AS g,
                     CASE WHEN cdp_sample._n(p.hp, 407, 100) < 60 THEN p.surname_ascii ELSE p.surname END AS s) g
    ) x
    WHERE p.n_pos > 0
),
r AS MATERIALIZED (     -- receipts
    SELECT p.*, r.r, h.hr,
           cdp_sample._pos_start(p.hp, r.r, p.n_pos, p.d0, p.d1, p.start_ms) AS t,
           CASE WHEN cdp_sample._n(h.hr, 2, 100) < 70 THEN p.home_store
                ELSE 1 + cdp_sample._n(h.hr, 3, 15)::integer END AS store,
           lpad(cdp_sample._bij(p.person * 64 + r.r, 2147483647, 1000000000,
                                cdp_sample._h(p.salt, 16))::text, 9, '0') AS receipt,
           p.member AND cdp_sample._n(h.hr, 4, 100) < 92 AS card,
           p.phone IS NOT NULL AND (p.member_email IS NULL OR cdp_sample._n(h.hr, 5, 100) < 40) AS by_phone,
           CASE WHEN cdp_sample._n(h.hr, 6, 100) < 35 THEN 1
                WHEN cdp_sample._n(h.hr, 6, 100) < 60 THEN 2
                WHEN cdp_sample._n(h.hr, 6, 100) < 75 THEN 3
                ELSE 4 + cdp_sample._n(h.hr, 7, 5)::integer END AS n_items
    FROM p
    CROSS JOIN LATERAL generate_series(1, p.n_pos) AS r(r)
    CROSS JOIN LATERAL (SELECT cdp_sample._h(p.hpos, r.r) AS hr) h
),
b AS MATERIALIZED (     -- the basket
    SELECT r.*, st.store_id, st.ipad_pos,
           translate(cdp_sample._uuid(cdp_sample._h(cdp_sample._h(r.salt, 3), r.store)), 'abcdef', 'ABCDEF') AS ipad_id,
           translate(cdp_sample._uuid(cdp_sample._h(cdp_sample._h(r.salt, 2), r.store)), 'abcdef', 'ABCDEF') AS kiosk_id,
           'pos-' || st.store_id || '-' || r.receipt AS anonymous_id,
           basket.items, basket.subtotal
    FROM r
    JOIN cdp_sample.stores st ON st.store = r.store
    CROSS JOIN cat
    CROSS JOIN LATERAL (
        SELECT jsonb_agg(jsonb_build_object('product_id', pr.product_id, 'sku', pr.sku,
                                            'name', pr.name || ' - ' || pr.variant,
                                            'quantity', q.qty, 'price', pr.price) ORDER BY i.i) AS items,
               sum(pr.price * q.qty) AS subtotal
        FROM generate_series(1, r.n_items) AS i(i)
        CROSS JOIN LATERAL (SELECT cdp_sample._h(r.hr, 100 + i.i) AS hi) h
        CROSS JOIN LATERAL (SELECT 1 + (cdp_sample._n(h.hi, 3, 100) >= 90)::integer AS qty) q
        JOIN cdp_sample.products pr ON pr.n = cdp_sample._product(h.hi, cat.nprod)
    ) basket
)
-- the receipts
SELECT b.person, b.t, b.r * 2 + 1,
       jsonb_strip_nulls(jsonb_build_object(
           'type', 'track',
           'event', 'Order Completed',
           'messageId', cdp_sample._uuid(cdp_sample._h(b.hr, 50)),
           'anonymousId', b.anonymous_id,
           'timestamp', cdp_sample._iso(b.t),
           'context', jsonb_build_object(
               'library', '{"name": "pos-connector", "version": "2.4.0"}'::jsonb,
               'device', CASE WHEN b.ipad_pos THEN jsonb_build_object(
                             'id', b.ipad_id, 'type', 'ipad', 'manufacturer', 'Apple',
                             'model', 'iPad13,18') END,
               'traits', CASE WHEN b.card THEN jsonb_build_object(
                             'loyaltyId', b.loyalty_id,
                             'email', CASE WHEN NOT b.by_phone THEN b.member_email END,
                             'phone', CASE WHEN b.by_phone THEN cdp_sample._phone_fmt(b.phone,
                                          cdp_sample._phone_style(3, cdp_sample._n(b.hr, 9, 100))) END,
                             'firstName', CASE WHEN cdp_sample._n(b.hr, 10, 100) < 60 THEN b.pos_given END,
                             'lastName', CASE WHEN cdp_sample._n(b.hr, 10, 100) < 60
                                               AND cdp_sample._n(b.hp, 408, 100) >= 10
                                              THEN b.pos_surname END) END),
           'properties', jsonb_build_object(
               'order_id', b.store_id || '-' || b.receipt,
               'store_id', b.store_id,
               'terminal_id', b.store_id || '-T' || (1 + cdp_sample._n(b.hr, 11, 4))::text,
               'cashier_id', 'E' || (b.store * 100 + cdp_sample._n(b.hr, 12, 14))::text,
               'payment_method', CASE WHEN cdp_sample._n(b.hr, 13, 100) < 60 THEN 'card'
                                      WHEN cdp_sample._n(b.hr, 13, 100) < 85 THEN 'eftpos'
                                      WHEN cdp_sample._n(b.hr, 13, 100) < 97 THEN 'cash'
                                      ELSE 'gift_card' END,
               'revenue', b.subtotal,
               'tax', round(b.subtotal / 11, 2),
               'currency', 'AUD',
               'items', b.items)))
FROM b
UNION ALL
-- loyalty sign-ups on the store tablet, a few minutes before paying
SELECT b.person, b.t - 60000 - cdp_sample._n(b.hr, 14, 240000), b.r * 2,
       jsonb_strip_nulls(jsonb_build_object(
           'type', 'identify',
           'messageId', cdp_sample._uuid(cdp_sample._h(b.hr, 51)),
           'anonymousId', b.anonymous_id,
           'timestamp', cdp_sample._iso(b.t - 60000 - cdp_sample._n(b.hr, 14, 240000)),
           'context', jsonb_build_object(
               'library', '{"name": "pos-connector", "version": "2.4.0"}'::jsonb,
               'device', jsonb_build_object('id', b.kiosk_id, 'type', 'ipad', 'manufacturer', 'Apple',
                                            'model', 'iPad12,1')),
           'traits', jsonb_build_object(
               'loyaltyId', b.loyalty_id,
               'firstName', CASE WHEN cdp_sample._n(b.hr, 15, 100) < 5
                                 THEN cdp_sample._typo(b.given, cdp_sample._h(b.hr, 16)) ELSE b.given END,
               'lastName', CASE WHEN cdp_sample._n(b.hr, 17, 100) < 5
                                THEN cdp_sample._typo(b.surname, cdp_sample._h(b.hr, 18))
                                WHEN cdp_sample._n(b.hr, 17, 100) < 12 THEN NULL
                                ELSE b.surname END,
               'email', cdp_sample._email_fmt(b.pos_email,
                            cdp_sample._email_style(3, cdp_sample._n(b.hr, 19, 100))),
               'phone', cdp_sample._phone_fmt(b.phone,
                            cdp_sample._phone_style(1, cdp_sample._n(b.hr, 20, 100))),
               'marketing_opt_in', b.opt_in,
               'store_id', b.store_id)))
FROM b
WHERE b.r = 1 AND b.member_new
$fn$;

-------------------------------------------------------------------------------
-- CRM: identify calls from the CRM sync, one per version of a contact
-- record.  Account holders are keyed by the account id the site and the app
-- use (sent as a JSON number, as the CRM stores it); other contacts by
-- anonymousId 'crm-contact-<n>'.  A few people have a second, duplicate
-- contact.  Names, e-mails and phones are as clerks typed them.
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_sample._crm(people integer, seed integer, reference timestamptz)
RETURNS TABLE (person integer, ts bigint, ord integer, event jsonb)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
WITH p AS (
    SELECT p.* FROM cdp_sample._persons(_crm.people, _crm.seed, _crm.reference) p WHERE p.in_crm
),
rec AS MATERIALIZED (   -- contact records: 0 the person's own, 1 a duplicate
    SELECT p.*, d.dup, h.hr,
           CASE WHEN d.dup = 0 THEN p.crm_contact ELSE p.crm_dup_contact END AS contact,
           CASE WHEN d.dup = 0 THEN p.crm_versions ELSE 1 END AS versions,
           CASE WHEN d.dup = 0 AND p.signup_ms IS NOT NULL
                    THEN p.signup_ms + 600000 + cdp_sample._n(h.hr, 1, 3600000)
                WHEN d.dup = 0 AND p.user_id IS NULL AND p.member_new
                    THEN p.member_since_ms + 86400000 END AS created_ms,
           CASE WHEN cdp_sample._n(h.hr, 2, 100) < 5
                THEN cdp_sample._typo(p.given, cdp_sample._h(h.hr, 3)) ELSE p.given END AS crm_given,
           CASE WHEN cdp_sample._n(h.hr, 4, 100) < 4 THEN NULL
                WHEN cdp_sample._n(h.hr, 4, 100) < 9
                    THEN cdp_sample._typo(p.surname, cdp_sample._h(h.hr, 5))
                ELSE p.surname END AS crm_surname,
           p.given = p.given_ascii AND p.surname = p.surname_ascii
               AND cdp_sample._n(h.hr, 6, 100) < 4 AS shouting,
           CASE WHEN d.dup = 1 AND p.work_email IS NOT NULL THEN p.work_email
                WHEN d.dup = 1 AND cdp_sample._n(h.hr, 7, 100) < 50 THEN NULL
                WHEN cdp_sample._n(h.hr, 7, 100) < 3 THEN NULL
                WHEN p.user_id IS NULL AND p.member THEN p.pos_email
                ELSE p.email END AS crm_email,
           CASE WHEN cdp_sample._n(h.hr, 8, 100) < 10 THEN NULL ELSE p.phone END AS crm_phone,
           cdp_sample._n(h.hr, 9, 100) AS x_email_style,
           cdp_sample._n(h.hr, 10, 100) AS x_phone_style,
           cdp_sample._n(h.hr, 11, 100) < 30 AS abbreviate,
           CASE WHEN cdp_sample._n(h.hr, 12, 100) < 60 THEN 'AU' ELSE 'Australia' END AS country,
           p.birthday IS NOT NULL AND cdp_sample._n(h.hr, 13, 100) < 85 AS has_birthday
    FROM p
    CROSS JOIN LATERAL (VALUES (0), (1)) AS d(dup)
    CROSS JOIN LATERAL (SELECT cdp_sample._h(cdp_sample._h(p.hp, 500), d.dup) AS hr) h
    WHERE d.dup = 0 OR p.crm_dup_contact IS NOT NULL
),
v AS MATERIALIZED (     -- versions of a record, as synced
    SELECT rec.*, v.v, h.hv,
           CASE WHEN rec.created_ms IS NULL
                    THEN cdp_sample._when(h.hv, rec.start_ms, CASE WHEN rec.dup = 0 THEN rec.d0 ELSE 0 END,
                                          CASE WHEN rec.dup = 0 THEN rec.d1 ELSE 90 END,
                                          rec.versions, v.v, 4)
                ELSE rec.created_ms + (v.v - 1) * (86400000 + cdp_sample._n(h.hv, 1, 20 * 86400000)) END AS t,
           v.v >= 2 AND cdp_sample._n(rec.hr, 20, 100) < 15 AS upgraded,
           v.v >= 2 AND cdp_sample._n(rec.hr, 21, 100) < 20 AS flipped,
           v.v >= 2 AND cdp_sample._n(rec.hr, 22, 100) < 10 AS moved
    FROM rec
    CROSS JOIN LATERAL generate_series(1, rec.versions) AS v(v)
    CROSS JOIN LATERAL (SELECT cdp_sample._h(rec.hr, 100 + v.v) AS hv) h
)
SELECT v.person, v.t, v.dup * 100 + v.v,
       jsonb_strip_nulls(jsonb_build_object(
           'type', 'identify',
           'messageId', 'crm-' || cdp_sample._uuid(v.hv),
           'userId', CASE WHEN v.contact IS NULL THEN to_jsonb(v.user_id::bigint) END,
           'anonymousId', v.contact,
           'timestamp', cdp_sample._iso(v.t),
           'context', '{"library": {"name": "crm-sync", "version": "1.9.3"}}'::jsonb,
           'traits', jsonb_build_object(
               'firstName', CASE WHEN v.shouting THEN upper(v.crm_given COLLATE "C") ELSE v.crm_given END,
               'lastName', CASE WHEN v.shouting THEN upper(v.crm_surname COLLATE "C") ELSE v.crm_surname END,
               'email', cdp_sample._email_fmt(v.crm_email, cdp_sample._email_style(4, v.x_email_style)),
               'phone', cdp_sample._phone_fmt(v.crm_phone, cdp_sample._phone_style(4, v.x_phone_style)),
               'address', jsonb_build_object(
                   'street', CASE WHEN v.abbreviate
                                  THEN replace(replace(replace(x.street, ' Street', ' St'), ' Road', ' Rd'),
                                               ' Avenue', ' Ave')
                                  ELSE x.street END,
                   'city', x.city, 'state', x.state, 'postalCode', x.postcode,
                   'country', v.country),
               'birthday', CASE WHEN v.has_birthday THEN to_char(v.birthday, 'YYYY-MM-DD') END,
               'plan', CASE WHEN NOT v.upgraded THEN v.plan WHEN v.plan = 'free' THEN 'plus'
                            ELSE 'premium' END,
               'marketing_opt_in', v.opt_in <> v.flipped,
               'loyaltyId', v.loyalty_id,
               'createdAt', cdp_sample._iso(coalesce(v.created_ms,
                                v.start_ms - 86400000 * (30 + cdp_sample._n(v.hr, 23, 2000))
                                    - cdp_sample._n(v.hr, 24, 86400000))))))
FROM v
CROSS JOIN LATERAL (
    SELECT CASE WHEN NOT v.moved THEN v.street
                ELSE (1 + cdp_sample._n(v.hv, 2, 180))::text || ' '
                     || (SELECT st.name FROM cdp_sample.streets st
                         WHERE st.n = 1 + cdp_sample._n(v.hv, 3, 40)) || ' Street' END AS street,
           CASE WHEN NOT v.moved THEN v.city ELSE c.city END AS city,
           CASE WHEN NOT v.moved THEN v.state ELSE c.state END AS state,
           CASE WHEN NOT v.moved THEN v.postcode ELSE c.postcode END AS postcode
    FROM cdp_sample.cities c
    WHERE c.n = 1 + cdp_sample._n(v.hv, 4, 27)
) x
WHERE v.t < v.start_ms + 7776000000 - 3600000
$fn$;

-------------------------------------------------------------------------------
-- All events in time order, with the person each belongs to.
-------------------------------------------------------------------------------

-- The channel queries are large; JIT compiling them costs more than it
-- saves, and the sorts of ~1 KB rows are quicker in memory.
CREATE FUNCTION cdp_sample._events(people integer, seed integer, reference timestamptz)
RETURNS TABLE (source text, seq bigint, person integer, event jsonb)
LANGUAGE sql STABLE
SET jit = off
SET work_mem = '256MB'
AS $fn$
SELECT e.source,
       row_number() OVER (ORDER BY e.ts, e.src, e.person, e.ord),
       e.person, e.event
FROM (
    SELECT 'web' AS source, 1 AS src, w.person, w.ts, w.ord, w.event
    FROM cdp_sample._web(_events.people, _events.seed, _events.reference) w
    UNION ALL
    SELECT 'mobile', 2, m.person, m.ts, m.ord, m.event
    FROM cdp_sample._mobile(_events.people, _events.seed, _events.reference) m
    UNION ALL
    SELECT 'pos', 3, p.person, p.ts, p.ord, p.event
    FROM cdp_sample._pos(_events.people, _events.seed, _events.reference) p
    UNION ALL
    SELECT 'crm', 4, c.person, c.ts, c.ord, c.event
    FROM cdp_sample._crm(_events.people, _events.seed, _events.reference) c
) e
WHERE cdp_sample._check(_events.people, _events.seed, _events.reference)
ORDER BY e.ts, e.src, e.person, e.ord
$fn$;

-------------------------------------------------------------------------------
-- Public interface
-------------------------------------------------------------------------------

CREATE FUNCTION cdp_sample.events(people integer DEFAULT 10000, seed integer DEFAULT 1,
                                  reference timestamptz DEFAULT '2026-11-01T00:00:00Z')
RETURNS TABLE (source text, seq bigint, event jsonb)
LANGUAGE sql STABLE
AS $$SELECT e.source, e.seq, e.event FROM cdp_sample._events(people, seed, reference) e$$;
COMMENT ON FUNCTION cdp_sample.events(integer, integer, timestamptz) IS
    'every event of the sample (source web, mobile, pos or crm), numbered by seq in time order';

CREATE FUNCTION cdp_sample._check_batch_size(batch_size integer) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 100000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 100000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN true;
END
$$;

CREATE FUNCTION cdp_sample.batches(people integer DEFAULT 10000, seed integer DEFAULT 1,
                                   batch_size integer DEFAULT 500,
                                   reference timestamptz DEFAULT '2026-11-01T00:00:00Z')
RETURNS TABLE (source text, batch_no integer, events jsonb)
LANGUAGE sql STABLE
SET work_mem = '256MB'
AS $$
SELECT b.source, b.batch_no, jsonb_agg(b.event ORDER BY b.seq)
FROM (SELECT e.source, e.seq, e.event,
             ((row_number() OVER (PARTITION BY e.source ORDER BY e.seq) - 1) / batch_size)::integer + 1
                 AS batch_no
      FROM cdp_sample._events(people, seed, reference) e
      WHERE cdp_sample._check_batch_size(batch_size)) b
GROUP BY b.source, b.batch_no
ORDER BY min(b.seq)
$$;
COMMENT ON FUNCTION cdp_sample.batches(integer, integer, integer, timestamptz) IS
    'the events per source as JSON arrays of batch_size events, ready for cdp.ingest_batch(source, events)';

-- The root of each node (1..n) once the edges a[i]-b[i] are joined: the
-- smallest node of its component.
CREATE FUNCTION cdp_sample._components(n integer, a integer[], b integer[]) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    parent  integer[] := array_fill(0, ARRAY[n]);
    i       integer;
    x       integer;
    y       integer;
BEGIN
    FOR i IN 1..n LOOP
        parent[i] := i;
    END LOOP;
    FOR i IN 1..coalesce(array_length(a, 1), 0) LOOP
        x := a[i];
        WHILE parent[x] <> x LOOP x := parent[x]; END LOOP;
        y := b[i];
        WHILE parent[y] <> y LOOP y := parent[y]; END LOOP;
        IF x < y THEN
            parent[y] := x;
        ELSIF y < x THEN
            parent[x] := y;
        END IF;
    END LOOP;
    FOR i IN 1..n LOOP
        x := i;
        WHILE parent[x] <> x LOOP x := parent[x]; END LOOP;
        parent[i] := x;
    END LOOP;
    RETURN parent;
END
$$;

-- The ground truth, one row per identifier value a person's events carry
-- in a source.  kind is what cdp extracts by default (user_id from userId,
-- anonymous_id, email and phone from traits and context.traits, device_id
-- from context.device.id) plus loyalty_id (traits.loyaltyId and
-- context.traits.loyaltyId, a per-source mapping).  normalized: e-mails in
-- lower case without spaces, phones in E.164, device ids in lower case.
-- junk: a placeholder or a shared identifier that says nothing about the
-- person.  link_group: the person's identifiers that exact matching on
-- normalized values can join (through events that carry two of them, junk
-- left out) share a group, numbered in the order the groups first appear.
CREATE FUNCTION cdp_sample.identifiers(people integer DEFAULT 10000, seed integer DEFAULT 1,
                                       reference timestamptz DEFAULT '2026-11-01T00:00:00Z')
RETURNS TABLE (person integer, source text, kind text, value text, normalized text,
               events bigint, first_seq bigint, junk boolean, link_group integer)
LANGUAGE sql STABLE
SET jit = off
SET work_mem = '256MB'
AS $fn$
WITH occ AS MATERIALIZED (      -- every identifier in every event
    SELECT e.person, e.source, e.seq, x.kind, x.value,
           CASE x.kind
               WHEN 'email' THEN regexp_replace(lower(x.value COLLATE "C"), '\s+', '', 'g')
               WHEN 'phone' THEN '+' || regexp_replace(regexp_replace(regexp_replace(
                                     regexp_replace(x.value COLLATE "C", '\D', '', 'g'),
                                     '^00', ''), '^610', '61'), '^0', '61')
               WHEN 'device_id' THEN lower(x.value COLLATE "C")
               ELSE x.value END AS normalized
    FROM cdp_sample._events(identifiers.people, identifiers.seed, identifiers.reference) e
    CROSS JOIN LATERAL (VALUES
        ('user_id', e.event->>'userId'),
        ('anonymous_id', e.event->>'anonymousId'),
        ('email', e.event #>> '{traits,email}'),
        ('email', e.event #>> '{context,traits,email}'),
        ('phone', e.event #>> '{traits,phone}'),
        ('phone', e.event #>> '{context,traits,phone}'),
        ('device_id', e.event #>> '{context,device,id}'),
        ('loyalty_id', e.event #>> '{traits,loyaltyId}'),
        ('loyalty_id', e.event #>> '{context,traits,loyaltyId}')) AS x(kind, value)
    WHERE x.value <> ''
),
junk AS (
    SELECT o.kind, o.normalized
    FROM occ o
    GROUP BY o.kind, o.normalized
    HAVING count(DISTINCT o.person) > 1
        OR (o.kind = 'email' AND o.normalized IN ('test@test.com', 'none', 'noemail@noemail.com',
                                                   'na@na.com', 'no@email.com'))
        OR (o.kind = 'user_id' AND o.normalized = 'null')
),
nodes AS MATERIALIZED (     -- a person's usable identifiers, numbered by first appearance
    SELECT n.person, n.kind, n.normalized,
           row_number() OVER (PARTITION BY n.person
                              ORDER BY n.first_seq, n.kind COLLATE "C", n.normalized COLLATE "C")::integer AS node
    FROM (SELECT o.person, o.kind, o.normalized, min(o.seq) AS first_seq
          FROM occ o
          WHERE NOT EXISTS (SELECT FROM junk j WHERE j.kind = o.kind AND j.normalized = o.normalized)
          GROUP BY o.person, o.kind, o.normalized) n
),
edges AS (      -- each identifier of an event joined to the event's first one
    SELECT x.person, x.node AS a, min(x.node) OVER (PARTITION BY x.seq) AS b
    FROM (SELECT DISTINCT o.person, o.seq, nd.node
          FROM occ o
          JOIN nodes nd ON nd.person = o.person AND nd.kind = o.kind AND nd.normalized = o.normalized) x
),
joined AS (
    SELECT e.person, array_agg(e.a ORDER BY e.a, e.b) AS a, array_agg(e.b ORDER BY e.a, e.b) AS b
    FROM edges e
    GROUP BY e.person
),
groups AS (
    SELECT c.person, r.node::integer AS node,
           dense_rank() OVER (PARTITION BY c.person ORDER BY r.root)::integer AS link_group
    FROM (SELECT nd.person, max(nd.node) AS n FROM nodes nd GROUP BY nd.person) c
    LEFT JOIN joined jn ON jn.person = c.person
    CROSS JOIN LATERAL unnest(cdp_sample._components(c.n, jn.a, jn.b)) WITH ORDINALITY AS r(root, node)
)
SELECT o.person, o.source, o.kind, o.value, o.normalized, count(*), min(o.seq),
       nd.node IS NULL, gr.link_group
FROM occ o
LEFT JOIN nodes nd ON nd.person = o.person AND nd.kind = o.kind AND nd.normalized = o.normalized
LEFT JOIN groups gr ON gr.person = nd.person AND gr.node = nd.node
GROUP BY o.person, o.source, o.kind, o.value, o.normalized, nd.node, gr.link_group
ORDER BY o.person, min(o.seq), o.kind COLLATE "C", o.value COLLATE "C"
$fn$;
COMMENT ON FUNCTION cdp_sample.identifiers(integer, integer, timestamptz) IS
    'ground truth: every identifier value in the sample, with its person, normalized form and link group';

-- The ground truth per person: who they are, how many profiles exact
-- matching can at best make of them (their link groups), and the raw
-- identifiers of each source ({"web": {"email": [...], ...}, ...}).
CREATE FUNCTION cdp_sample.people(people integer DEFAULT 10000, seed integer DEFAULT 1,
                                  reference timestamptz DEFAULT '2026-11-01T00:00:00Z')
RETURNS TABLE (person integer, first_name text, last_name text, email text, phone text,
               user_id text, loyalty_id text, city text, profiles integer, identifiers jsonb)
LANGUAGE sql STABLE
SET jit = off
AS $fn$
WITH ids AS (
    SELECT i.person, max(i.link_group) AS profiles,
           jsonb_object_agg(i.source, i.kinds) AS identifiers
    FROM (SELECT s.person, s.source, max(s.link_group) AS link_group,
                 jsonb_object_agg(s.kind, s.vals) AS kinds
          FROM (SELECT i.person, i.source, i.kind, max(i.link_group) AS link_group,
                       jsonb_agg(i.value ORDER BY i.first_seq, i.value COLLATE "C") AS vals
                FROM cdp_sample.identifiers(people.people, people.seed, people.reference) i
                GROUP BY i.person, i.source, i.kind) s
          GROUP BY s.person, s.source) i
    GROUP BY i.person
)
SELECT p.person, p.given, p.surname, p.email,
       CASE WHEN p.phone IS NOT NULL THEN '+61' || p.phone END,
       p.user_id, p.loyalty_id, p.city,
       coalesce(ids.profiles, 0)::integer, coalesce(ids.identifiers, '{}'::jsonb)
FROM cdp_sample._persons(people.people, people.seed, people.reference) p
LEFT JOIN ids ON ids.person = p.person
ORDER BY p.person
$fn$;
COMMENT ON FUNCTION cdp_sample.people(integer, integer, timestamptz) IS
    'ground truth per person: name, canonical e-mail and phone, account, the profiles exact matching can make, identifiers per source';

COMMIT;
